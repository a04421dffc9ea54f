/**
 * Set-up: the identity provider and its guide, the SCIM base URL to paste into it, the bearer tokens
 * (generate, rotate with an overlap, revoke; a new token is shown once), and the directory source (SCIM push, or
 * Google Workspace pulled by the app: google-source-panel.tsx).
 */
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import SectionMessage from '@atlaskit/section-message';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import { useState, type ReactNode } from 'react';
import { IDP_IDS, type IdpId, type IssuedToken, type TokenView } from '../../../../src/shared/admin-api';
import { useAdmin } from '../admin-context';
import { SectionTitle, SubTitle } from '../ui/headings';
import type { SectionProps } from '../app';
import { guideFor, IDP_NAMES } from '../guides/idp-guides';
import { DirectorySourcePanel } from './google-source-panel';
import { tokenHintFor } from '../guides/token-hint';
import { MarkdownView } from '../markdown/markdown-view';
import { CopyButton } from '../ui/copy-button';
import { describedBy, Field } from '../ui/field';
import { formatDate, formatTime } from '../ui/format';
import { ActionError, EmptyState, LoadableView } from '../ui/loadable-view';
import { useAction, useLoader, type Loader } from '../ui/use-loader';
import { VisuallyHidden } from '../ui/visually-hidden';

interface IdpOption {
  readonly label: string;
  readonly value: IdpId;
}

const IDP_OPTIONS: readonly IdpOption[] = IDP_IDS.map((id) => ({ label: IDP_NAMES[id], value: id }));

const fieldsetStyle = { border: 0, padding: 0, margin: '16px 0 0' } as const;
const legendStyle = { fontWeight: 600, padding: 0 } as const;

const boxStyle = {
  border: `1px solid ${token('color.border', '#091E4224')}`,
  borderRadius: 3,
  padding: '8px 16px 16px',
  marginTop: 12,
} as const;

/** The Set-up section. */
export function SetupSection({ onChanged }: SectionProps): ReactNode {
  const { client } = useAdmin();
  const setup = useLoader(() => client.call('setup/get'));
  const baseUrl = useLoader(() => client.call('scim/get-base-url'));
  const tokens = useLoader(() => client.call('tokens/list'));
  const [issued, setIssued] = useState<IssuedToken | undefined>(undefined);
  const saveIdp = useAction(async (idp: IdpId) => {
    setup.set(await client.call('setup/save', { idp }));
    onChanged();
  });

  const url = baseUrl.state.status === 'ready' ? baseUrl.state.value.url : undefined;
  const liveTokens = tokens.state.status === 'ready' ? tokens.state.value : [];
  const tokenHint = tokenHintFor(liveTokens, issued);

  return (
    <div>
      <SectionTitle>Set-up</SectionTitle>
      <div style={{ display: 'grid', gap: 24, gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr)', marginTop: 8 }}>
        <section aria-labelledby="setup-idp-heading">
          <SubTitle id="setup-idp-heading">Identity provider</SubTitle>
          <LoadableView state={setup.state} what="the chosen identity provider" onRetry={() => setup.reload()}>
            {(view) => (
              <Field
                id="setup-idp"
                label="Your identity provider"
                helper="The guide below shows where to paste the URL and token."
                error={saveIdp.error}
              >
                <Select<IdpOption, false>
                  inputId="setup-idp"
                  options={IDP_OPTIONS}
                  value={IDP_OPTIONS.find((option) => option.value === view.idp) ?? null}
                  onChange={(option) => {
                    if (option) void saveIdp.run(option.value);
                  }}
                  isDisabled={saveIdp.pending}
                  placeholder="Choose your identity provider"
                  aria-describedby={describedBy('setup-idp', true, saveIdp.error)}
                  testId="setup-idp"
                />
              </Field>
            )}
          </LoadableView>
          <SubTitle>SCIM base URL</SubTitle>
          <LoadableView state={baseUrl.state} what="the SCIM base URL" onRetry={() => baseUrl.reload()}>
            {(value) => (
              <Field
                id="setup-base-url"
                label="SCIM base URL"
                helper="Paste this into your identity provider as the SCIM base (tenant) URL."
              >
                <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
                  <div style={{ flex: 1 }}>
                    <Textfield
                      id="setup-base-url"
                      value={value.url}
                      isReadOnly
                      aria-describedby={describedBy('setup-base-url', true, undefined)}
                      testId="setup-base-url"
                    />
                  </div>
                  <CopyButton value={value.url} what="SCIM base URL" />
                </div>
              </Field>
            )}
          </LoadableView>
        </section>
        <TokensPanel
          tokens={tokens}
          issued={issued}
          onIssued={(next) => {
            setIssued(next);
            tokens.reload(true);
            onChanged();
          }}
          onDismissIssued={() => setIssued(undefined)}
          onRevoked={() => {
            tokens.reload(true);
            onChanged();
          }}
        />
      </div>
      <DirectorySourcePanel onChanged={onChanged} />
      <section aria-labelledby="setup-guide-heading" style={{ marginTop: 24 }}>
        <GuidePanel
          idp={setup.state.status === 'ready' ? setup.state.value.idp : undefined}
          baseUrl={url}
          tokenHint={tokenHint}
        />
      </section>
    </div>
  );
}

function GuidePanel({
  idp,
  baseUrl,
  tokenHint,
}: {
  readonly idp: IdpId | undefined;
  readonly baseUrl: string | undefined;
  readonly tokenHint: string;
}): ReactNode {
  const { openLink } = useAdmin();
  if (idp === undefined) {
    return (
      <>
        <SubTitle id="setup-guide-heading">Set-up guide</SubTitle>
        <EmptyState title="Choose your identity provider">Its step-by-step guide appears here.</EmptyState>
      </>
    );
  }
  const guide = guideFor(idp);
  return (
    <>
      <SubTitle id="setup-guide-heading">Set-up guide: {IDP_NAMES[idp]}</SubTitle>
      <div style={boxStyle} data-testid="setup-guide">
        {guide === undefined ? (
          <EmptyState title={`No guide for ${IDP_NAMES[idp]} yet`}>
            Use the SCIM base URL and a bearer token from this page; the guide will be in docs/idp/{idp}.md.
          </EmptyState>
        ) : (
          <MarkdownView
            source={guide}
            headingOffset={3}
            variables={{ SCIM_BASE_URL: baseUrl ?? 'the SCIM base URL shown above', TOKEN_HINT: tokenHint }}
            {...(openLink ? { onOpenLink: openLink } : {})}
          />
        )}
      </div>
    </>
  );
}

interface TokensPanelProps {
  readonly tokens: Loader<readonly TokenView[]>;
  readonly issued: IssuedToken | undefined;
  readonly onIssued: (issued: IssuedToken) => void;
  readonly onDismissIssued: () => void;
  readonly onRevoked: () => void;
}

function positiveNumber(text: string): number | undefined | 'invalid' {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : 'invalid';
}

function TokensPanel({ tokens, issued, onIssued, onDismissIssued, onRevoked }: TokensPanelProps): ReactNode {
  const { client } = useAdmin();
  const list = tokens.state.status === 'ready' ? tokens.state.value : [];
  const [label, setLabel] = useState('');
  const [days, setDays] = useState('');
  const [overlap, setOverlap] = useState('24');
  const daysValue = positiveNumber(days);
  const overlapValue = positiveNumber(overlap);
  const issue = useAction(async () => {
    if (daysValue === 'invalid') return;
    const next = await client.call('tokens/issue', {
      ...(label.trim() ? { label: label.trim() } : {}),
      ...(daysValue ? { expiresInDays: daysValue } : {}),
    });
    setLabel('');
    onIssued(next);
  });
  const rotate = useAction(async () => {
    if (daysValue === 'invalid' || overlapValue === 'invalid' || overlapValue === undefined) return;
    const next = await client.call('tokens/rotate', {
      overlapHours: overlapValue,
      ...(label.trim() ? { label: label.trim() } : {}),
      ...(daysValue ? { expiresInDays: daysValue } : {}),
    });
    setLabel('');
    onIssued(next);
  });
  /** The token whose revocation waits for the admin's confirmation. */
  const [confirming, setConfirming] = useState<TokenView | undefined>(undefined);
  const revoke = useAction(async (id: string) => {
    await client.call('tokens/revoke', { id });
    setConfirming(undefined);
    onRevoked();
  });

  return (
    <section aria-labelledby="setup-tokens-heading">
      <SubTitle id="setup-tokens-heading">Bearer tokens</SubTitle>
      {issued ? (
        <div style={{ marginTop: 8 }}>
          <SectionMessage headingLevel="h3" appearance="success" title="Copy the new token now: it is shown only once">
            <Field
              id="setup-issued-token"
              label="New bearer token"
              helper="Paste it into your identity provider. Only its hash is kept."
            >
              <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
                <div style={{ flex: 1 }}>
                  <Textfield
                    id="setup-issued-token"
                    value={issued.token}
                    isReadOnly
                    isMonospaced
                    aria-describedby={describedBy('setup-issued-token', true, undefined)}
                    testId="setup-issued-token"
                  />
                </div>
                <CopyButton value={issued.token} what="bearer token" />
              </div>
            </Field>
            <div style={{ marginTop: 8 }}>
              <Button onClick={onDismissIssued}>I have copied it</Button>
            </div>
          </SectionMessage>
        </div>
      ) : null}
      <ActionError
        error={issue.error ?? rotate.error ?? revoke.error}
        onDismiss={() => [issue, rotate, revoke].forEach((action) => action.clearError())}
      />
      <LoadableView state={tokens.state} what="tokens" onRetry={() => tokens.reload()}>
        {(views) => (
          <DynamicTable
            caption={<VisuallyHidden>Live bearer tokens</VisuallyHidden>}
            head={{
              cells: [
                { key: 'token', content: 'Token' },
                { key: 'label', content: 'Label' },
                { key: 'created', content: 'Created' },
                { key: 'expires', content: 'Expires' },
                { key: 'actions', content: <VisuallyHidden>Actions</VisuallyHidden> },
              ],
            }}
            rows={views.map((view) => ({
              key: view.id,
              cells: [
                { key: 'token', content: <code style={{ whiteSpace: 'nowrap' }}>…{view.suffix}</code> },
                { key: 'label', content: view.label ?? '—' },
                { key: 'created', content: <span style={{ whiteSpace: 'nowrap' }}>{formatTime(view.createdAt)}</span> },
                {
                  key: 'expires',
                  content: view.retiring
                    ? `retiring: valid until ${formatTime(view.expiresAt)}`
                    : view.expiresAt
                      ? formatDate(view.expiresAt)
                      : 'never',
                },
                {
                  key: 'actions',
                  content: (
                    <Button
                      appearance="subtle"
                      onClick={() => setConfirming(view)}
                      isDisabled={revoke.pending}
                      aria-label={`Revoke token ending in ${view.suffix}`}
                    >
                      Revoke
                    </Button>
                  ),
                },
              ],
            }))}
            emptyView={
              <EmptyState title="No live tokens">Generate one, then paste it into your identity provider.</EmptyState>
            }
            testId="setup-tokens"
          />
        )}
      </LoadableView>
      {confirming ? (
        <div style={{ marginTop: 8 }} data-testid="setup-revoke-confirmation">
          <SectionMessage
            headingLevel="h3"
            appearance="warning"
            title={`Revoke the token ending in …${confirming.suffix}?`}
          >
            <p>
              It stops working at once. An identity provider still using it fails every provisioning cycle from now on
              (Microsoft Entra ID quarantines the app after repeated failures).{' '}
              {list.length > 1
                ? 'Make sure your identity provider uses the other token first.'
                : 'It is the only live token: generate or rotate first, unless provisioning should stop.'}
            </p>
            <div style={{ display: 'flex', gap: 8, marginTop: 8 }}>
              <Button
                appearance="danger"
                onClick={() => void revoke.run(confirming.id)}
                isLoading={revoke.pending}
                testId="setup-revoke-confirm"
              >
                {`Revoke …${confirming.suffix}`}
              </Button>
              <Button onClick={() => setConfirming(undefined)} testId="setup-revoke-cancel">
                Keep the token
              </Button>
            </div>
          </SectionMessage>
        </div>
      ) : null}
      <fieldset style={fieldsetStyle}>
        <legend style={legendStyle}>New token</legend>
        <div style={{ display: 'grid', gap: 8, gridTemplateColumns: '1fr 1fr' }}>
          <Field id="setup-token-label" label="Label (optional)">
            <Textfield
              id="setup-token-label"
              value={label}
              onChange={(event) => setLabel(event.currentTarget.value)}
              maxLength={80}
              placeholder="e.g. Okta production"
            />
          </Field>
          <Field
            id="setup-token-days"
            label="Expires in days (optional)"
            error={daysValue === 'invalid' ? 'Enter a number of days above 0' : undefined}
          >
            <Textfield
              id="setup-token-days"
              type="number"
              min={1}
              value={days}
              onChange={(event) => setDays(event.currentTarget.value)}
              isInvalid={daysValue === 'invalid'}
              aria-describedby={describedBy('setup-token-days', false, daysValue === 'invalid' ? 'invalid' : undefined)}
            />
          </Field>
        </div>
        <div style={{ marginTop: 12 }}>
          <Button
            appearance="primary"
            onClick={() => void issue.run()}
            isLoading={issue.pending}
            isDisabled={daysValue === 'invalid'}
            testId="setup-generate-token"
          >
            Generate token
          </Button>
        </div>
      </fieldset>
      <fieldset style={fieldsetStyle}>
        <legend style={legendStyle}>Rotate</legend>
        <p style={{ fontSize: 12, color: token('color.text.subtle', '#44546F'), margin: 0 }}>
          Issues a new token (with the label and expiry above) and keeps the current ones valid for the overlap, so you
          can switch the identity provider over without downtime.
        </p>
        <div style={{ display: 'flex', gap: 8, alignItems: 'flex-end' }}>
          <div style={{ width: 160 }}>
            <Field
              id="setup-overlap"
              label="Overlap in hours"
              error={overlapValue === 'invalid' || overlapValue === undefined ? 'Enter hours above 0' : undefined}
            >
              <Textfield
                id="setup-overlap"
                type="number"
                min={1}
                value={overlap}
                onChange={(event) => setOverlap(event.currentTarget.value)}
                isInvalid={overlapValue === 'invalid' || overlapValue === undefined}
                aria-describedby={describedBy(
                  'setup-overlap',
                  false,
                  overlapValue === 'invalid' || overlapValue === undefined ? 'invalid' : undefined,
                )}
              />
            </Field>
          </div>
          <Button
            onClick={() => void rotate.run()}
            isLoading={rotate.pending}
            isDisabled={
              overlapValue === 'invalid' || overlapValue === undefined || daysValue === 'invalid' || list.length === 0
            }
          >
            Rotate tokens
          </Button>
        </div>
      </fieldset>
    </section>
  );
}
