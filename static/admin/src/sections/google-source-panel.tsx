/**
 * The directory source on Set-up: SCIM push from an identity provider, or Google Workspace pulled by the app. For
 * Google: the set-up steps (project, Admin SDK, service account, domain-wide delegation with the exact scopes, key
 * upload), the admin to impersonate, which users and groups to pull, the schedule, a connection test that names each
 * check, and the pull itself (google-pull-panel.tsx). Contract: src/shared/source-api.ts.
 */
import Button from '@atlaskit/button/new';
import SectionMessage from '@atlaskit/section-message';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type {
  DirectorySourceKind,
  GoogleSelection,
  PullSchedule,
  SourceCheck,
} from '../../../../src/shared/source-types';
import type { SourceView } from '../../../../src/shared/source-api';
import { useAdmin } from '../admin-context';
import { CopyButton } from '../ui/copy-button';
import { describedBy, Field } from '../ui/field';
import { SubTitle } from '../ui/headings';
import { ActionError, LoadableView } from '../ui/loadable-view';
import { useAction, useLoader } from '../ui/use-loader';
import { VisuallyHidden } from '../ui/visually-hidden';
import { GooglePullPanel } from './google-pull-panel';

interface Option<T extends string> {
  readonly label: string;
  readonly value: T;
}

const SOURCE_OPTIONS: readonly Option<DirectorySourceKind>[] = [
  { label: 'SCIM: my identity provider pushes users and groups', value: 'scim' },
  { label: 'Google Workspace: the app pulls users and groups', value: 'google-workspace' },
];
const SCHEDULE_OPTIONS: readonly Option<PullSchedule>[] = [
  { label: 'Every 5 minutes', value: 'five-minutes' },
  { label: 'Every hour', value: 'hourly' },
  { label: 'Every day', value: 'daily' },
];
type UserKind = GoogleSelection['users']['kind'];
type GroupKind = GoogleSelection['groups']['kind'];
const USER_OPTIONS: readonly Option<UserKind>[] = [
  { label: 'Every user', value: 'all' },
  { label: 'Users in these org units (and below)', value: 'org-units' },
  { label: 'Members of one Google group (nested groups included)', value: 'group' },
];
const GROUP_OPTIONS: readonly Option<GroupKind>[] = [
  { label: 'Every group', value: 'all' },
  { label: 'These groups (emails)', value: 'list' },
  { label: 'Groups whose name or email matches a pattern', value: 'pattern' },
];

const boxStyle = {
  border: `1px solid ${token('color.border', '#091E4224')}`,
  borderRadius: 3,
  padding: '8px 16px 16px',
  marginTop: 12,
} as const;
const subtle = { fontSize: 12, color: token('color.text.subtle', '#44546F') } as const;

/** Comma- or line-separated text as a list. */
function listOf(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The form's text for a selection, and back. */
interface SelectionForm {
  users: UserKind;
  orgUnits: string;
  userGroup: string;
  groups: GroupKind;
  groupList: string;
  pattern: string;
}

function formOf(selection: GoogleSelection): SelectionForm {
  return {
    users: selection.users.kind,
    orgUnits: selection.users.kind === 'org-units' ? selection.users.paths.join(', ') : '',
    userGroup: selection.users.kind === 'group' ? selection.users.email : '',
    groups: selection.groups.kind,
    groupList: selection.groups.kind === 'list' ? selection.groups.emails.join(', ') : '',
    pattern: selection.groups.kind === 'pattern' ? selection.groups.pattern : '',
  };
}

function selectionOf(form: SelectionForm): GoogleSelection {
  const users: GoogleSelection['users'] =
    form.users === 'org-units'
      ? { kind: 'org-units', paths: listOf(form.orgUnits) }
      : form.users === 'group'
        ? { kind: 'group', email: form.userGroup.trim() }
        : { kind: 'all' };
  const groups: GoogleSelection['groups'] =
    form.groups === 'list'
      ? { kind: 'list', emails: listOf(form.groupList) }
      : form.groups === 'pattern'
        ? { kind: 'pattern', pattern: form.pattern.trim() }
        : { kind: 'all' };
  return { users, groups };
}

/** The directory source panel of Set-up. */
export function DirectorySourcePanel({ onChanged }: { readonly onChanged: () => void }): ReactNode {
  const { client } = useAdmin();
  const source = useLoader(() => client.call('source/get'));
  const { set } = source;
  const onView = useCallback((next: SourceView) => set(next), [set]);
  const saveKind = useAction(async (kind: DirectorySourceKind) => {
    const result = await client.call('source/save', { kind });
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
    set(result.value);
    onChanged();
  });
  return (
    <section aria-labelledby="setup-source-heading" style={{ marginTop: 24 }}>
      <SubTitle id="setup-source-heading">Where users and groups come from</SubTitle>
      <LoadableView state={source.state} what="the directory source" onRetry={() => source.reload()}>
        {(view) => (
          <>
            <Field
              id="setup-source"
              label="Directory source"
              helper="Google Workspace cannot push to a custom SCIM app, so for Google the app pulls instead."
              error={saveKind.error}
            >
              <Select<Option<DirectorySourceKind>, false>
                inputId="setup-source"
                options={SOURCE_OPTIONS}
                value={SOURCE_OPTIONS.find((option) => option.value === view.kind) ?? null}
                onChange={(option) => {
                  if (option) void saveKind.run(option.value);
                }}
                isDisabled={saveKind.pending}
                aria-describedby={describedBy('setup-source', true, saveKind.error)}
                testId="setup-source"
              />
            </Field>
            {view.kind === 'google-workspace' ? (
              <>
                <div style={{ marginTop: 12 }}>
                  <SectionMessage headingLevel="h3" appearance="information" title="Google Workspace is the source">
                    <p>
                      The app reads users, groups and nested memberships from Google through the Admin SDK Directory
                      API. While it does, SCIM writes from an identity provider are refused (HTTP 403). Deactivations go
                      through the circuit breaker, and nothing is deactivated by a pull that did not read every page.
                    </p>
                  </SectionMessage>
                </div>
                <GoogleSteps view={view} onView={onView} />
                <GoogleSettingsForm view={view} onView={onView} />
                <ConnectionTest />
                <div style={boxStyle}>
                  <GooglePullPanel view={view} onView={onView} />
                </div>
              </>
            ) : null}
          </>
        )}
      </LoadableView>
    </section>
  );
}

/** The steps in Google Cloud and the Google Admin console, with the key upload as the last one. */
function GoogleSteps({
  view,
  onView,
}: {
  readonly view: SourceView;
  readonly onView: (next: SourceView) => void;
}): ReactNode {
  const { client } = useAdmin();
  const [message, setMessage] = useState<string | undefined>(undefined);
  const upload = useAction(async (file: File) => {
    const result = await client.call('source/upload-key', { fileText: await file.text() });
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
    setMessage(
      `Key ${result.value.privateKeyId.slice(0, 8)}… of ${result.value.clientEmail} is stored in the app's secret storage.`,
    );
    onView(await client.call('source/get'));
  });
  const scopes = view.scopes.join(',');
  return (
    <div style={boxStyle} data-testid="google-steps">
      <SubTitle>Set up Google Workspace</SubTitle>
      <ol style={{ paddingLeft: 20 }}>
        <li>In the Google Cloud console, create a project (or pick one) for this app.</li>
        <li>
          In that project, enable the <strong>Admin SDK API</strong> (APIs &amp; Services → Library).
        </li>
        <li>
          Create a <strong>service account</strong> (IAM &amp; Admin → Service accounts); it needs no role in the
          project. Under Keys, add a key of type JSON and download it.
        </li>
        <li>
          In the Google Admin console, as a super admin: Security → Access and data control → API controls →{' '}
          <strong>Domain-wide delegation</strong> → Add new. Enter the service account&apos;s client ID
          {view.key ? (
            <>
              {' '}
              (<code data-testid="google-client-id">{view.key.clientId}</code>)
            </>
          ) : null}{' '}
          and exactly these read-only scopes, comma-separated:
          <div style={{ display: 'flex', gap: 8, alignItems: 'center', marginTop: 4 }}>
            <code data-testid="google-scopes" style={{ wordBreak: 'break-all' }}>
              {scopes}
            </code>
            <CopyButton value={scopes} what="scopes" />
          </div>
          Delegation can take a few minutes to apply.
        </li>
        <li>
          Upload the JSON key here. It is kept in the app&apos;s secret storage; only the client email, client ID and
          key ID are shown again.
          <Field id="google-key-file" label="Service account key (JSON)" error={upload.error}>
            <input
              id="google-key-file"
              type="file"
              accept="application/json,.json"
              data-testid="google-key-file"
              aria-describedby={describedBy('google-key-file', false, upload.error)}
              onChange={(event) => {
                const file = event.currentTarget.files?.[0];
                if (file) void upload.run(file);
                event.currentTarget.value = '';
              }}
            />
          </Field>
          <p role="status" aria-live="polite" style={subtle} data-testid="google-key-summary">
            {view.key
              ? `Stored: ${view.key.clientEmail} (client ID ${view.key.clientId}, key ${view.key.privateKeyId.slice(0, 8)}…).`
              : 'No key uploaded yet.'}
            {message ? ` ${message}` : ''}
          </p>
        </li>
        <li>
          Name a super admin below for the app to act as, choose what to pull, test the connection, then preview and
          approve.
        </li>
      </ol>
    </div>
  );
}

/** The admin to impersonate, the filters and the schedule. */
function GoogleSettingsForm({
  view,
  onView,
}: {
  readonly view: SourceView;
  readonly onView: (next: SourceView) => void;
}): ReactNode {
  const { client } = useAdmin();
  const [subject, setSubject] = useState(view.google.subject);
  const [form, setForm] = useState<SelectionForm>(formOf(view.google.selection));
  const [schedule, setSchedule] = useState<PullSchedule>(view.google.schedule);
  const [errors, setErrors] = useState<readonly { path: string; message: string }[]>([]);
  const [saved, setSaved] = useState(false);
  useEffect(() => setSaved(false), [subject, form, schedule]);
  const save = useAction(async () => {
    const result = await client.call('source/save', {
      kind: 'google-workspace',
      google: { subject, selection: selectionOf(form), schedule },
    });
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors([]);
    onView(result.value);
    setSaved(true);
  });
  const errorAt = (prefix: string): string | undefined => {
    const found = errors.filter((e) => e.path.startsWith(prefix)).map((e) => e.message);
    return found.length > 0 ? found.join('; ') : undefined;
  };
  const update = (patch: Partial<SelectionForm>): void => setForm((current) => ({ ...current, ...patch }));
  return (
    <div style={boxStyle} data-testid="google-settings">
      <SubTitle>Admin, filters and schedule</SubTitle>
      <Field
        id="google-subject"
        label="Admin to impersonate"
        helper="A super admin's email: the service account reads the directory as this admin."
        error={errorAt('google.subject')}
      >
        <Textfield
          id="google-subject"
          value={subject}
          onChange={(event) => setSubject(event.currentTarget.value)}
          placeholder="admin@your-domain.com"
          aria-describedby={describedBy('google-subject', true, errorAt('google.subject'))}
          testId="google-subject"
        />
      </Field>
      <Field id="google-users" label="Which users" error={errorAt('google.selection.users')}>
        <Select<Option<UserKind>, false>
          inputId="google-users"
          options={USER_OPTIONS}
          value={USER_OPTIONS.find((o) => o.value === form.users) ?? null}
          onChange={(o) => o && update({ users: o.value })}
          testId="google-users"
        />
      </Field>
      {form.users === 'org-units' ? (
        <Field
          id="google-org-units"
          label="Org units"
          helper="Paths such as /Engineering, comma-separated. Users in org units below them are included."
        >
          <Textfield
            id="google-org-units"
            value={form.orgUnits}
            onChange={(event) => update({ orgUnits: event.currentTarget.value })}
            aria-describedby={describedBy('google-org-units', true, undefined)}
            testId="google-org-units"
          />
        </Field>
      ) : null}
      {form.users === 'group' ? (
        <Field
          id="google-user-group"
          label="Google group email"
          helper="Its members, through nested groups too, are the users pulled."
        >
          <Textfield
            id="google-user-group"
            value={form.userGroup}
            onChange={(event) => update({ userGroup: event.currentTarget.value })}
            aria-describedby={describedBy('google-user-group', true, undefined)}
            testId="google-user-group"
          />
        </Field>
      ) : null}
      <Field id="google-groups" label="Which groups" error={errorAt('google.selection.groups')}>
        <Select<Option<GroupKind>, false>
          inputId="google-groups"
          options={GROUP_OPTIONS}
          value={GROUP_OPTIONS.find((o) => o.value === form.groups) ?? null}
          onChange={(o) => o && update({ groups: o.value })}
          testId="google-groups"
        />
      </Field>
      {form.groups === 'list' ? (
        <Field id="google-group-list" label="Group emails" helper="Comma-separated.">
          <Textfield
            id="google-group-list"
            value={form.groupList}
            onChange={(event) => update({ groupList: event.currentTarget.value })}
            aria-describedby={describedBy('google-group-list', true, undefined)}
            testId="google-group-list"
          />
        </Field>
      ) : null}
      {form.groups === 'pattern' ? (
        <Field
          id="google-group-pattern"
          label="Pattern"
          helper="* matches any run of characters, ? one character; case-insensitive, on the group's name or email."
        >
          <Textfield
            id="google-group-pattern"
            value={form.pattern}
            onChange={(event) => update({ pattern: event.currentTarget.value })}
            aria-describedby={describedBy('google-group-pattern', true, undefined)}
            testId="google-group-pattern"
          />
        </Field>
      ) : null}
      <Field
        id="google-schedule"
        label="Scheduled pull"
        helper="Forge's scheduled trigger intervals. Sync now runs a pull at any time."
      >
        <Select<Option<PullSchedule>, false>
          inputId="google-schedule"
          options={SCHEDULE_OPTIONS}
          value={SCHEDULE_OPTIONS.find((o) => o.value === schedule) ?? null}
          onChange={(o) => o && setSchedule(o.value)}
          aria-describedby={describedBy('google-schedule', true, undefined)}
          testId="google-schedule"
        />
      </Field>
      <div style={{ display: 'flex', gap: 8, alignItems: 'center', marginTop: 12 }}>
        <Button appearance="primary" onClick={() => void save.run()} isLoading={save.pending} testId="google-save">
          Save
        </Button>
        <span role="status" aria-live="polite" style={subtle}>
          {saved ? 'Saved. A change of the admin or the filters needs a new preview before pulls apply.' : ''}
        </span>
      </div>
      <ActionError error={save.error} onDismiss={save.clearError} />
    </div>
  );
}

/** The connection test, each check by name. */
function ConnectionTest(): ReactNode {
  const { client } = useAdmin();
  const [checks, setChecks] = useState<readonly SourceCheck[] | undefined>(undefined);
  const test = useAction(async () => setChecks(await client.call('source/test')));
  return (
    <div style={boxStyle} data-testid="google-connection">
      <SubTitle>Connection test</SubTitle>
      <p style={subtle}>
        Checks the key, the admin, Google&apos;s token for the delegated scopes, and one read with each scope. It
        changes nothing.
      </p>
      <Button onClick={() => void test.run()} isLoading={test.pending} testId="google-test">
        Test the connection
      </Button>
      <ActionError error={test.error} onDismiss={test.clearError} />
      {checks ? (
        <ul
          style={{ listStyle: 'none', padding: 0, margin: '8px 0 0', display: 'grid', gap: 4 }}
          data-testid="google-checks"
        >
          {checks.map((check) => (
            <li key={check.name} data-ok={check.ok}>
              <strong>
                {check.ok ? '✓' : '✗'} {check.name}
              </strong>
              <span aria-hidden="true">: </span>
              <VisuallyHidden>{check.ok ? 'passed: ' : 'failed: '}</VisuallyHidden>
              <span>{check.detail}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
