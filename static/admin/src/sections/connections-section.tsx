/**
 * Connections: the Atlassian organization (id, org API key) and the Bitbucket admin (email, API token) the sync
 * engine calls with, their expiry dates and warnings, a connection test that lists every check, and the org
 * directory the app provisions into. Secrets are write-only here: the page only ever sees their last characters.
 */
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import SectionMessage from '@atlaskit/section-message';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import { useState, type ReactNode } from 'react';
import type { ConnectionReport, CredentialsStatus, SaveCredentialsPayload } from '../../../../src/shared/admin-api';
import type { CredentialName } from '../../../../src/shared/status-types';
import type { SyncSettings } from '../../../../src/shared/settings-types';
import { useAdmin } from '../admin-context';
import { SectionTitle, SubTitle, TableCaption } from '../ui/headings';
import type { SectionProps } from '../app';
import { describedBy, Field } from '../ui/field';
import { dateInputValue, endOfDay, formatDate, formatTime, masked } from '../ui/format';
import { ActionError, EmptyState, LoadableView, LoadingState } from '../ui/loadable-view';
import { useAction, useLoader } from '../ui/use-loader';

const CREDENTIAL_NAMES: Readonly<Record<CredentialName, string>> = {
  orgId: 'Organization id',
  orgApiKey: 'Org API key',
  bitbucketEmail: 'Bitbucket admin email',
  bitbucketApiToken: 'Bitbucket API token',
};

interface FormState {
  orgId: string;
  orgApiKey: string;
  orgApiKeyExpiresAt: string;
  bitbucketEmail: string;
  bitbucketApiToken: string;
  bitbucketApiTokenExpiresAt: string;
}

function initialForm(status: CredentialsStatus): FormState {
  return {
    orgId: '',
    orgApiKey: '',
    orgApiKeyExpiresAt: dateInputValue(status.credentials.orgApiKey.expiresAt),
    bitbucketEmail: '',
    bitbucketApiToken: '',
    bitbucketApiTokenExpiresAt: dateInputValue(status.credentials.bitbucketApiToken.expiresAt),
  };
}

/** Only the fields the admin filled in or changed, so an empty field never overwrites what is stored. */
function changes(form: FormState, status: CredentialsStatus): SaveCredentialsPayload {
  const payload: { -readonly [K in keyof SaveCredentialsPayload]: SaveCredentialsPayload[K] } = {};
  if (form.orgId.trim()) payload.orgId = form.orgId.trim();
  if (form.orgApiKey.trim()) payload.orgApiKey = form.orgApiKey.trim();
  if (form.bitbucketEmail.trim()) payload.bitbucketEmail = form.bitbucketEmail.trim();
  if (form.bitbucketApiToken.trim()) payload.bitbucketApiToken = form.bitbucketApiToken.trim();
  if (form.orgApiKeyExpiresAt !== dateInputValue(status.credentials.orgApiKey.expiresAt))
    payload.orgApiKeyExpiresAt = endOfDay(form.orgApiKeyExpiresAt);
  if (form.bitbucketApiTokenExpiresAt !== dateInputValue(status.credentials.bitbucketApiToken.expiresAt)) {
    payload.bitbucketApiTokenExpiresAt = endOfDay(form.bitbucketApiTokenExpiresAt);
  }
  return payload;
}

/** The Connections section. */
export function ConnectionsSection({ onChanged }: SectionProps): ReactNode {
  const { client } = useAdmin();
  const credentials = useLoader(() => client.call('credentials/get'));
  return (
    <div>
      <SectionTitle>Connections</SectionTitle>
      <p style={{ color: token('color.text.subtle', '#44546F') }}>
        The sync engine calls the Atlassian Admin API with an org API key, and Bitbucket with a workspace admin's API
        token. They are stored in Forge secret storage; this page only shows their last characters.
      </p>
      <LoadableView state={credentials.state} what="the stored credentials" onRetry={() => credentials.reload()}>
        {(status) => (
          <CredentialsForm
            status={status}
            onSaved={(next) => {
              credentials.set(next);
              onChanged();
            }}
          />
        )}
      </LoadableView>
      <ConnectionTest />
      <DirectoryPicker onChanged={onChanged} />
    </div>
  );
}

function CredentialsForm({
  status,
  onSaved,
}: {
  readonly status: CredentialsStatus;
  readonly onSaved: (next: CredentialsStatus) => void;
}): ReactNode {
  const { client } = useAdmin();
  const [form, setForm] = useState<FormState>(() => initialForm(status));
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({});
  const [saved, setSaved] = useState(false);
  const payload = changes(form, status);
  const save = useAction(async () => {
    setSaved(false);
    const result = await client.call('credentials/save', payload);
    if (!result.ok) {
      setErrors(Object.fromEntries(result.errors.map((error) => [error.path, error.message])));
      return;
    }
    setErrors({});
    setForm(initialForm(result.value));
    setSaved(true);
    onSaved(result.value);
  });
  const clear = useAction(async () => {
    const next = await client.call('credentials/clear');
    setForm(initialForm(next));
    setErrors({});
    onSaved(next);
  });
  const [confirmClear, setConfirmClear] = useState(false);
  const field = (
    name: keyof FormState,
    label: string,
    options: { secret?: boolean; type?: string; helper?: string; current?: string } = {},
  ): ReactNode => {
    const id = `connections-${name}`;
    const error = errors[name];
    const helper =
      options.helper ?? (options.current ? `Stored: ${options.current}. Leave empty to keep it.` : undefined);
    return (
      <Field id={id} label={label} helper={helper} error={error}>
        <Textfield
          id={id}
          name={name}
          type={options.type ?? (options.secret ? 'password' : 'text')}
          autoComplete={options.secret ? 'new-password' : 'off'}
          value={form[name]}
          onChange={(event) => {
            const value = event.currentTarget.value;
            setForm((current) => ({ ...current, [name]: value }));
            setSaved(false);
          }}
          isInvalid={Boolean(error)}
          aria-describedby={describedBy(id, Boolean(helper), error)}
          testId={id}
        />
      </Field>
    );
  };
  const view = status.credentials;
  const unknownErrors = Object.entries(errors).filter(([path]) => !(path in form));

  return (
    <form
      aria-labelledby="connections-credentials-heading"
      onSubmit={(event) => {
        event.preventDefault();
        if (Object.keys(payload).length > 0) void save.run();
      }}
    >
      {status.warnings.map((warning) => (
        <div key={warning.credential} style={{ marginTop: 8 }}>
          <SectionMessage
            headingLevel="h3"
            appearance={warning.severity === 'expired' ? 'error' : 'warning'}
            title={`${CREDENTIAL_NAMES[warning.credential]} ${warning.severity === 'expired' ? 'has expired' : `expires in ${warning.daysLeft} days`}`}
          >
            <p>{warning.message}</p>
          </SectionMessage>
        </div>
      ))}
      <SubTitle id="connections-credentials-heading">Stored credentials</SubTitle>
      {status.inUse ? (
        <p data-testid="connections-in-use" style={{ color: token('color.text.subtle', '#44546F') }}>
          {status.inUse.detail}
        </p>
      ) : null}
      <DynamicTable
        caption={<TableCaption>What is stored now</TableCaption>}
        head={{
          cells: [
            { key: 'name', content: 'Credential' },
            { key: 'value', content: 'Value' },
            { key: 'updated', content: 'Updated' },
            { key: 'expires', content: 'Expires' },
          ],
        }}
        rows={(Object.keys(CREDENTIAL_NAMES) as CredentialName[]).map((name) => ({
          key: name,
          cells: [
            { key: 'name', content: CREDENTIAL_NAMES[name] },
            {
              key: 'value',
              content: view[name].configured ? (
                <code>{masked(view[name].suffix)}</code>
              ) : (
                <Lozenge appearance="default">
                  {status.inUse?.source === 'environment' ? 'not saved: the environment’s is used' : 'not set'}
                </Lozenge>
              ),
            },
            { key: 'updated', content: formatTime(view[name].updatedAt) },
            { key: 'expires', content: view[name].expiresAt ? formatDate(view[name].expiresAt) : '—' },
          ],
        }))}
        testId="connections-stored"
      />
      <div style={{ display: 'grid', gap: 24, gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr)' }}>
        <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
          <legend style={{ fontWeight: 600, paddingTop: 12 }}>Atlassian organization (Admin API)</legend>
          {field('orgId', 'Organization id', {
            ...(view.orgId.configured ? { current: masked(view.orgId.suffix) } : {}),
          })}
          {field('orgApiKey', 'Org API key', {
            secret: true,
            ...(view.orgApiKey.configured ? { current: masked(view.orgApiKey.suffix) } : {}),
          })}
          {field('orgApiKeyExpiresAt', 'Org API key expires on', {
            type: 'date',
            helper: 'The expiry you chose when creating the key; the page warns 14 days before.',
          })}
        </fieldset>
        <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
          <legend style={{ fontWeight: 600, paddingTop: 12 }}>Bitbucket workspace admin</legend>
          {field('bitbucketEmail', 'Admin email', {
            type: 'email',
            ...(view.bitbucketEmail.configured ? { current: masked(view.bitbucketEmail.suffix) } : {}),
          })}
          {field('bitbucketApiToken', 'API token', {
            secret: true,
            ...(view.bitbucketApiToken.configured ? { current: masked(view.bitbucketApiToken.suffix) } : {}),
          })}
          {field('bitbucketApiTokenExpiresAt', 'API token expires on', { type: 'date' })}
        </fieldset>
      </div>
      {unknownErrors.length > 0 ? (
        <div style={{ marginTop: 12 }}>
          <SectionMessage headingLevel="h3" appearance="error" title="The credentials were not saved">
            <ul>
              {unknownErrors.map(([path, message]) => (
                <li key={path}>{path ? `${path}: ${message}` : message}</li>
              ))}
            </ul>
          </SectionMessage>
        </div>
      ) : null}
      <ActionError
        error={save.error ?? clear.error}
        onDismiss={() => [save, clear].forEach((action) => action.clearError())}
      />
      <div style={{ display: 'flex', gap: 8, marginTop: 16, alignItems: 'center', flexWrap: 'wrap' }}>
        <Button
          appearance="primary"
          type="submit"
          isLoading={save.pending}
          isDisabled={Object.keys(payload).length === 0}
          testId="connections-save"
        >
          Save credentials
        </Button>
        {confirmClear ? (
          <>
            <span>Remove every stored credential? The sync stops until new ones are saved.</span>
            <Button
              appearance="danger"
              onClick={() => void clear.run().then(() => setConfirmClear(false))}
              isLoading={clear.pending}
            >
              Remove them
            </Button>
            <Button appearance="subtle" onClick={() => setConfirmClear(false)}>
              Keep them
            </Button>
          </>
        ) : (
          <Button appearance="subtle" onClick={() => setConfirmClear(true)}>
            Remove all credentials
          </Button>
        )}
        <span role="status" aria-live="polite">
          {saved ? 'Saved.' : ''}
        </span>
      </div>
    </form>
  );
}

function ConnectionTest(): ReactNode {
  const { client } = useAdmin();
  const [reports, setReports] = useState<readonly ConnectionReport[] | undefined>(undefined);
  const test = useAction(async () => setReports(await client.call('credentials/test')));
  return (
    <section aria-labelledby="connections-test-heading" style={{ marginTop: 24 }}>
      <SubTitle id="connections-test-heading">Test the connections</SubTitle>
      <p style={{ color: token('color.text.subtle', '#44546F') }}>
        Calls both APIs with the stored credentials and says what works and what is missing.
      </p>
      <Button onClick={() => void test.run()} isLoading={test.pending} testId="connections-test">
        Test connection
      </Button>
      <ActionError error={test.error} onDismiss={test.clearError} />
      {test.pending ? <LoadingState what="the connection test" /> : null}
      {reports && !test.pending ? (
        <div style={{ display: 'grid', gap: 12, marginTop: 12 }} data-testid="connections-report">
          {reports.length === 0 ? <EmptyState title="Nothing was tested" /> : null}
          {reports.map((report) => (
            <SectionMessage
              headingLevel="h3"
              key={report.api}
              appearance={report.ok ? 'success' : 'error'}
              title={`${report.api === 'admin' ? 'Atlassian Admin API' : 'Bitbucket'}: ${report.ok ? 'works' : 'not working'}`}
            >
              <ul style={{ paddingLeft: 0, listStyle: 'none' }}>
                {report.checks.map((check) => (
                  <li key={check.name} style={{ display: 'flex', gap: 8, alignItems: 'baseline', marginTop: 4 }}>
                    <Lozenge appearance={check.ok ? 'success' : 'removed'}>{check.ok ? 'ok' : 'failed'}</Lozenge>
                    <span>
                      <strong>{check.name}</strong>: {check.detail}
                    </span>
                  </li>
                ))}
              </ul>
            </SectionMessage>
          ))}
        </div>
      ) : null}
    </section>
  );
}

interface DirectoryOption {
  readonly label: string;
  readonly value: string;
}

function DirectoryPicker({ onChanged }: SectionProps): ReactNode {
  const { client } = useAdmin();
  const directories = useLoader(() => client.call('directories/list'));
  const settings = useLoader(() => client.call('settings/get'));
  const [errors, setErrors] = useState<string | undefined>(undefined);
  const save = useAction(async (current: SyncSettings, directoryId: string) => {
    const result = await client.call('settings/save', {
      settings: { ...current, target: { ...current.target, directoryId } },
    });
    if (!result.ok) {
      setErrors(
        result.errors.map((error) => (error.path ? `${error.path}: ${error.message}` : error.message)).join('; '),
      );
      return;
    }
    setErrors(undefined);
    settings.set(result.value);
    onChanged();
  });
  return (
    <section aria-labelledby="connections-directory-heading" style={{ marginTop: 24 }}>
      <SubTitle id="connections-directory-heading">Target directory</SubTitle>
      <p style={{ color: token('color.text.subtle', '#44546F') }}>
        The org directory the app creates accounts and groups in.
      </p>
      <LoadableView state={settings.state} what="the settings" onRetry={() => settings.reload()}>
        {(current) => (
          <LoadableView
            state={directories.state}
            what="the organization's directories"
            onRetry={() => directories.reload()}
          >
            {(list) => {
              const options: DirectoryOption[] = list.map((directory) => ({
                label: `${directory.name} (${directory.id})`,
                value: directory.id,
              }));
              if (list.length === 0)
                return (
                  <EmptyState title="The organization has no directories the app can see">
                    Check the org id and API key, then test the connection.
                  </EmptyState>
                );
              return (
                <Field id="connections-directory" label="Directory" error={save.error ?? errors}>
                  <Select<DirectoryOption, false>
                    inputId="connections-directory"
                    options={options}
                    value={options.find((option) => option.value === current.target.directoryId) ?? null}
                    onChange={(option) => {
                      if (option) void save.run(current, option.value);
                    }}
                    isDisabled={save.pending}
                    placeholder="Choose a directory"
                    testId="connections-directory"
                  />
                </Field>
              );
            }}
          </LoadableView>
        )}
      </LoadableView>
    </section>
  );
}
