/**
 * Provisioning: which operations the sync engine may make, what deactivation and deletion do, how users are
 * matched to accounts (with the username transform, validated and previewed live over sample and recent
 * userNames), dry-run, and the deprovisioning circuit breaker with its confirm button once it has tripped.
 */
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import { RadioGroup } from '@atlaskit/radio';
import SectionMessage from '@atlaskit/section-message';
import TextArea from '@atlaskit/textarea';
import Textfield from '@atlaskit/textfield';
import { useEffect, useState, type ReactNode } from 'react';
import type { TransformPreviewView } from '../../../../src/shared/admin-api';
import type { BreakerState } from '../../../../src/shared/status-types';
import type { SettingsError, SyncOperations, SyncSettings } from '../../../../src/shared/settings-types';
import { useAdmin } from '../admin-context';
import { SectionTitle, SubTitle, TableCaption } from '../ui/headings';
import type { SectionProps } from '../app';
import { describedBy, Field } from '../ui/field';
import { formatTime, sentence } from '../ui/format';
import { ActionError, LoadableView, LoadingState } from '../ui/loadable-view';
import { ToggleRow } from '../ui/toggle-row';
import { useAction, useLoader } from '../ui/use-loader';
import { DomainNote, TransformCheck } from './transform-check';

const OPERATIONS: readonly { readonly key: keyof SyncOperations; readonly label: string; readonly helper: string }[] = [
  {
    key: 'create',
    label: 'Create accounts',
    helper: 'Invite people who have no Atlassian account yet, with Bitbucket access.',
  },
  { key: 'update', label: 'Update accounts', helper: 'Apply profile changes the identity provider sends.' },
  { key: 'reactivate', label: 'Reactivate', helper: 'Restore people the identity provider activates again.' },
  { key: 'deactivate', label: 'Deactivate', helper: 'Act on deactivations and deletions (see below).' },
  { key: 'groupSync', label: 'Sync groups', helper: 'Create org groups for pushed groups and keep their members.' },
  { key: 'permissionSync', label: 'Sync permissions', helper: 'Apply the group permission rules in Bitbucket.' },
];

/** The editable form of the settings: numbers as the admin typed them, so a half-typed value is not lost. */
interface Draft {
  readonly operations: SyncOperations;
  readonly deactivation: SyncSettings['deactivation'];
  readonly deletion: SyncSettings['deletion'];
  readonly matchBy: SyncSettings['matchBy'];
  readonly scimProfile: SyncSettings['scimProfile'];
  readonly dryRun: boolean;
  readonly transformOn: boolean;
  readonly pattern: string;
  readonly replacement: string;
  readonly sharePercent: string;
  readonly windowMinutes: string;
  readonly minimumUsers: string;
}

function draftOf(settings: SyncSettings): Draft {
  return {
    operations: settings.operations,
    deactivation: settings.deactivation,
    deletion: settings.deletion,
    matchBy: settings.matchBy,
    scimProfile: settings.scimProfile,
    dryRun: settings.dryRun,
    transformOn: settings.usernameTransform !== null,
    pattern: settings.usernameTransform?.pattern ?? '',
    replacement: settings.usernameTransform?.replacement ?? '',
    sharePercent: String(Math.round(settings.circuitBreaker.maxDeactivationShare * 1000) / 10),
    windowMinutes: String(settings.circuitBreaker.windowMinutes),
    minimumUsers: String(settings.circuitBreaker.minimumUsers),
  };
}

/** The draft fields chosen from a few fixed values. */
type ChoiceKey = 'deactivation' | 'deletion' | 'matchBy' | 'scimProfile';

/** A labelled radio group over one of the draft's fixed-choice fields. */
function ChoiceField<K extends ChoiceKey>({
  draft,
  update,
  field,
  labelId,
  label,
  choices,
}: {
  readonly draft: Draft;
  readonly update: (change: Partial<Draft>) => void;
  readonly field: K;
  readonly labelId: string;
  readonly label: string;
  readonly choices: readonly (readonly [Draft[K], string])[];
}): ReactNode {
  return (
    <>
      <p id={labelId} style={{ fontWeight: 600 }}>
        {label}
      </p>
      <RadioGroup
        name={field}
        aria-labelledby={labelId}
        value={draft[field]}
        onChange={(event) => update({ [field]: event.currentTarget.value } as Partial<Draft>)}
        options={choices.map(([value, text]) => ({ name: field, value, label: text }))}
      />
    </>
  );
}

/** A number when the text is one; otherwise the text, so the server's validation names the field. */
function numberOrText(text: string): number | string {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) ? value : text;
}

function settingsOf(base: SyncSettings, draft: Draft): unknown {
  const share = numberOrText(draft.sharePercent);
  return {
    ...base,
    operations: draft.operations,
    deactivation: draft.deactivation,
    deletion: draft.deletion,
    matchBy: draft.matchBy,
    scimProfile: draft.scimProfile,
    dryRun: draft.dryRun,
    usernameTransform: draft.transformOn ? { pattern: draft.pattern, replacement: draft.replacement } : null,
    circuitBreaker: {
      maxDeactivationShare: typeof share === 'number' ? share / 100 : share,
      windowMinutes: numberOrText(draft.windowMinutes),
      minimumUsers: numberOrText(draft.minimumUsers),
    },
  };
}

/** The Provisioning section. */
export function ProvisioningSection({ onChanged }: SectionProps): ReactNode {
  const { client } = useAdmin();
  const settings = useLoader(() => client.call('settings/get'));
  return (
    <div>
      <SectionTitle>Provisioning</SectionTitle>
      <BreakerPanel />
      <LoadableView state={settings.state} what="the provisioning settings" onRetry={() => settings.reload()}>
        {(value) => (
          <ProvisioningForm
            settings={value}
            onSaved={(next) => {
              settings.set(next);
              onChanged();
            }}
          />
        )}
      </LoadableView>
    </div>
  );
}

function BreakerPanel(): ReactNode {
  const { client } = useAdmin();
  const status = useLoader(() => client.call('sync/status'));
  const [confirmed, setConfirmed] = useState<BreakerState | undefined>(undefined);
  const confirm = useAction(async () => setConfirmed(await client.call('breaker/confirm')));
  if (status.state.status !== 'ready') return null;
  const breaker = confirmed ?? status.state.value.breaker;
  if (!breaker.tripped) {
    return confirmed ? (
      <div style={{ marginTop: 12 }}>
        <SectionMessage headingLevel="h3" appearance="success" title="Deactivations resume">
          <p>The circuit breaker is reset; the next sync plans deactivations from the current state.</p>
        </SectionMessage>
      </div>
    ) : null;
  }
  return (
    <div style={{ marginTop: 12 }} data-testid="provisioning-breaker">
      <SectionMessage
        headingLevel="h3"
        appearance="warning"
        title="Deactivations are paused: the circuit breaker tripped"
      >
        <p>
          {sentence(breaker.reason ?? 'Too many deactivations within the window')} Tripped{' '}
          {formatTime(breaker.trippedAt)}; {status.state.value.waitingDeactivations} deactivation
          {status.state.value.waitingDeactivations === 1 ? ' waits' : 's wait'}.
        </p>
        <p>
          Check the identity provider first (a removed assignment or deleted group). Once the changes are intended,
          confirm to let them through.
        </p>
        <ActionError error={confirm.error} onDismiss={confirm.clearError} />
        <Button appearance="warning" onClick={() => void confirm.run()} isLoading={confirm.pending}>
          Confirm and resume deactivations
        </Button>
      </SectionMessage>
    </div>
  );
}

function errorsByPath(errors: readonly SettingsError[]): Readonly<Record<string, string>> {
  return Object.fromEntries(errors.map((error) => [error.path, error.message]));
}

function ProvisioningForm({
  settings,
  onSaved,
}: {
  readonly settings: SyncSettings;
  readonly onSaved: (next: SyncSettings) => void;
}): ReactNode {
  const { client } = useAdmin();
  const [draft, setDraft] = useState<Draft>(() => draftOf(settings));
  const [errors, setErrors] = useState<readonly SettingsError[]>([]);
  const [saved, setSaved] = useState(false);
  const update = (change: Partial<Draft>): void => {
    setDraft((current) => ({ ...current, ...change }));
    setSaved(false);
  };
  const save = useAction(async () => {
    const result = await client.call('settings/save', { settings: settingsOf(settings, draft) });
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors([]);
    setDraft(draftOf(result.value));
    setSaved(true);
    onSaved(result.value);
  });
  const byPath = errorsByPath(errors);
  const dirty = JSON.stringify(draftOf(settings)) !== JSON.stringify(draft);

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void save.run();
      }}
      aria-label="Provisioning settings"
    >
      <section aria-labelledby="provisioning-operations-heading">
        <SubTitle id="provisioning-operations-heading">Operations</SubTitle>
        <div
          style={{
            display: 'grid',
            gridTemplateColumns: 'repeat(auto-fill, minmax(300px, 1fr))',
            gap: 8,
            marginTop: 8,
          }}
        >
          {OPERATIONS.map((operation) => {
            const id = `provisioning-op-${operation.key}`;
            return (
              <ToggleRow
                key={operation.key}
                id={id}
                label={operation.label}
                helper={operation.helper}
                isChecked={draft.operations[operation.key]}
                onChange={() =>
                  update({ operations: { ...draft.operations, [operation.key]: !draft.operations[operation.key] } })
                }
              />
            );
          })}
        </div>
      </section>

      <section aria-labelledby="provisioning-lifecycle-heading" style={{ marginTop: 24 }}>
        <SubTitle id="provisioning-lifecycle-heading">Deactivation and deletion</SubTitle>
        <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 24 }}>
          <div>
            <ChoiceField
              draft={draft}
              update={update}
              field="deactivation"
              labelId="provisioning-deactivation-label"
              label="When the identity provider deactivates someone"
              choices={[
                ['revoke-access', 'Revoke Bitbucket access only (the account stays active)'],
                ['suspend', 'Suspend the account in the org directory (all products)'],
              ]}
            />
          </div>
          <div>
            <ChoiceField
              draft={draft}
              update={update}
              field="deletion"
              labelId="provisioning-deletion-label"
              label="When the identity provider deletes someone"
              choices={[
                ['suspend', 'Suspend the account (reversible)'],
                ['remove', 'Remove the account from the org directory'],
              ]}
            />
          </div>
        </div>
      </section>

      <section aria-labelledby="provisioning-matching-heading" style={{ marginTop: 24 }}>
        <SubTitle id="provisioning-matching-heading">Matching users to Atlassian accounts</SubTitle>
        <ChoiceField
          draft={draft}
          update={update}
          field="matchBy"
          labelId="provisioning-matchby-label"
          label="Match by"
          choices={[
            ['email-from-username', 'userName as email (after the username transform)'],
            ['work-email', 'The work email the identity provider sends'],
          ]}
        />
        <TransformEditor draft={draft} onChange={update} errors={byPath} />
      </section>

      <section aria-labelledby="provisioning-dialect-heading" style={{ marginTop: 24 }}>
        <SubTitle id="provisioning-dialect-heading">SCIM dialect</SubTitle>
        <ChoiceField
          draft={draft}
          update={update}
          field="scimProfile"
          labelId="provisioning-dialect-label"
          label="How the SCIM endpoint reads requests (takes effect within 30 seconds)"
          choices={[
            ['lenient', 'Lenient: accepts the documented dialects of Entra ID, Okta, OneLogin and JumpCloud'],
            ['strict-rfc', 'Strict RFC 7644: refuses unknown attributes and non-standard PATCH forms'],
          ]}
        />
      </section>

      <section aria-labelledby="provisioning-safety-heading" style={{ marginTop: 24 }}>
        <SubTitle id="provisioning-safety-heading">Dry run and circuit breaker</SubTitle>
        <div style={{ marginTop: 8 }}>
          <ToggleRow
            id="provisioning-dry-run"
            label="Dry run"
            helper="Plan every change and record it in the audit log as planned, without applying it."
            isChecked={draft.dryRun}
            onChange={() => update({ dryRun: !draft.dryRun })}
          />
        </div>
        <div style={{ display: 'grid', gridTemplateColumns: 'repeat(3, minmax(0, 1fr))', gap: 16 }}>
          <NumberField
            id="provisioning-share"
            label="Most users deactivated per window (%)"
            value={draft.sharePercent}
            onChange={(sharePercent) => update({ sharePercent })}
            error={byPath['circuitBreaker.maxDeactivationShare']}
          />
          <NumberField
            id="provisioning-window"
            label="Window (minutes)"
            value={draft.windowMinutes}
            onChange={(windowMinutes) => update({ windowMinutes })}
            error={byPath['circuitBreaker.windowMinutes']}
          />
          <NumberField
            id="provisioning-minimum"
            label="Never trip at or below (users)"
            value={draft.minimumUsers}
            onChange={(minimumUsers) => update({ minimumUsers })}
            error={byPath['circuitBreaker.minimumUsers']}
          />
        </div>
      </section>

      {errors.length > 0 ? (
        <div style={{ marginTop: 16 }}>
          <SectionMessage headingLevel="h3" appearance="error" title="The settings were not saved">
            <ul>
              {errors.map((error) => (
                <li key={`${error.path}:${error.message}`}>
                  {error.path ? <code>{error.path}</code> : null} {error.message}
                </li>
              ))}
            </ul>
          </SectionMessage>
        </div>
      ) : null}
      <ActionError error={save.error} onDismiss={save.clearError} />
      <div style={{ display: 'flex', gap: 8, marginTop: 16, alignItems: 'center' }}>
        <Button
          appearance="primary"
          type="submit"
          isLoading={save.pending}
          isDisabled={!dirty}
          testId="provisioning-save"
        >
          Save provisioning settings
        </Button>
        <Button
          appearance="subtle"
          isDisabled={!dirty}
          onClick={() => {
            setDraft(draftOf(settings));
            setErrors([]);
          }}
        >
          Discard changes
        </Button>
        <span role="status" aria-live="polite">
          {saved ? 'Saved.' : ''}
        </span>
      </div>
    </form>
  );
}

function NumberField({
  id,
  label,
  value,
  onChange,
  error,
}: {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly error: string | undefined;
}): ReactNode {
  return (
    <Field id={id} label={label} error={error}>
      <Textfield
        id={id}
        inputMode="decimal"
        value={value}
        onChange={(event) => onChange(event.currentTarget.value)}
        isInvalid={Boolean(error)}
        aria-describedby={describedBy(id, false, error)}
      />
    </Field>
  );
}

const DEFAULT_SAMPLES = 'ada.lovelace@corp.example.com\ngrace\nALAN.TURING@Example.COM';

function TransformEditor({
  draft,
  onChange,
  errors,
}: {
  readonly draft: Draft;
  readonly onChange: (change: Partial<Draft>) => void;
  readonly errors: Readonly<Record<string, string>>;
}): ReactNode {
  const { client } = useAdmin();
  const [samples, setSamples] = useState(DEFAULT_SAMPLES);
  const [preview, setPreview] = useState<{
    readonly view?: TransformPreviewView;
    readonly error?: string;
    readonly loading: boolean;
  }>({ loading: true });
  const transform = draft.transformOn ? { pattern: draft.pattern, replacement: draft.replacement } : null;
  const transformKey = JSON.stringify(transform);

  useEffect(() => {
    let current = true;
    setPreview((previous) => ({ ...previous, loading: true }));
    const timer = setTimeout(() => {
      const list = samples
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      client.call('transform/preview', { transform: JSON.parse(transformKey) as typeof transform, samples: list }).then(
        (view) => {
          if (current) setPreview({ view, loading: false });
        },
        (error: unknown) => {
          if (current) setPreview({ error: error instanceof Error ? error.message : String(error), loading: false });
        },
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, transformKey, samples]);

  const issues = preview.view && !preview.view.preview.ok ? preview.view.preview.issues : [];
  const issueOf = (field: 'pattern' | 'replacement'): string | undefined =>
    issues.find((issue) => issue.field === field)?.message ?? errors[`usernameTransform.${field}`];

  return (
    <div style={{ marginTop: 16 }}>
      <ToggleRow
        id="provisioning-transform-on"
        label="Username transform"
        helper={
          <>
            A pattern over the whole userName and a replacement with $1…$9, e.g. <code>(.*)@corp\.example\.com</code> →{' '}
            <code>$1@example.com</code>. Names the pattern does not match stay as they are.
          </>
        }
        isChecked={draft.transformOn}
        onChange={() => onChange({ transformOn: !draft.transformOn })}
      />
      {draft.transformOn ? (
        <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 16 }}>
          <Field id="provisioning-pattern" label="Pattern" error={issueOf('pattern')}>
            <Textfield
              id="provisioning-pattern"
              isMonospaced
              value={draft.pattern}
              onChange={(event) => onChange({ pattern: event.currentTarget.value })}
              isInvalid={Boolean(issueOf('pattern'))}
              aria-describedby={describedBy('provisioning-pattern', false, issueOf('pattern'))}
              testId="provisioning-pattern"
            />
          </Field>
          <Field id="provisioning-replacement" label="Replacement" error={issueOf('replacement')}>
            <Textfield
              id="provisioning-replacement"
              isMonospaced
              value={draft.replacement}
              onChange={(event) => onChange({ replacement: event.currentTarget.value })}
              isInvalid={Boolean(issueOf('replacement'))}
              aria-describedby={describedBy('provisioning-replacement', false, issueOf('replacement'))}
              testId="provisioning-replacement"
            />
          </Field>
        </div>
      ) : null}
      <div
        style={{ display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 2fr)', gap: 16, alignItems: 'start' }}
      >
        <Field
          id="provisioning-samples"
          label="Sample userNames (one per line)"
          helper="The preview also runs over the directory's most recent userNames."
        >
          <TextArea
            id="provisioning-samples"
            value={samples}
            onChange={(event) => setSamples(event.currentTarget.value)}
            minimumRows={4}
            aria-describedby="provisioning-samples-helper"
          />
        </Field>
        <div style={{ marginTop: 12 }} aria-live="polite" data-testid="provisioning-preview">
          <TransformPreviewTable preview={preview} matchBy={draft.matchBy} />
        </div>
      </div>
      <DomainNote domains={preview.view?.domains} />
    </div>
  );
}

function TransformPreviewTable({
  preview,
  matchBy,
}: {
  readonly preview: { readonly view?: TransformPreviewView; readonly error?: string; readonly loading: boolean };
  readonly matchBy: Draft['matchBy'];
}): ReactNode {
  if (preview.error) {
    return (
      <SectionMessage headingLevel="h3" appearance="error" title="The preview failed">
        <p>{preview.error}</p>
      </SectionMessage>
    );
  }
  if (!preview.view) return <LoadingState what="the preview" />;
  const result = preview.view.preview;
  if (!result.ok) {
    return (
      <SectionMessage headingLevel="h3" appearance="error" title="This transform cannot be used">
        <ul>
          {result.issues.map((issue) => (
            <li key={`${issue.field}:${issue.message}`}>
              {issue.field}: {issue.message}
            </li>
          ))}
        </ul>
      </SectionMessage>
    );
  }
  const recent = new Set(preview.view.recentUserNames);
  return (
    <DynamicTable
      caption={<TableCaption>{`Preview${preview.loading ? ' (updating…)' : ''}`}</TableCaption>}
      head={{
        cells: [
          { key: 'input', content: 'userName' },
          { key: 'output', content: matchBy === 'work-email' ? 'Transformed (not used for matching)' : 'Matched as' },
          { key: 'check', content: 'Check' },
        ],
      }}
      rows={result.samples.map((sample, index) => ({
        key: `${index}:${sample.input}`,
        cells: [
          {
            key: 'input',
            content: (
              <span>
                {sample.input}
                {recent.has(sample.input) ? (
                  <>
                    {' '}
                    <Lozenge>recent</Lozenge>
                  </>
                ) : null}
              </span>
            ),
          },
          { key: 'output', content: <code>{sample.output}</code> },
          {
            key: 'check',
            content: <TransformCheck sample={sample} domains={preview.view?.domains} />,
          },
        ],
      }))}
      emptyView={<p>Add sample userNames to see what the transform makes of them.</p>}
    />
  );
}
