/**
 * The Google Workspace pull as the admin watches and drives it: the run in progress (its phase, and the error it
 * stopped on, after which it resumes by itself), the last pull with its counts, the preview of what a pull would
 * change with its approval (required after every change of the key, the admin or the filters), and "Sync now".
 * Shown on Set-up and, while Google is the source, on Status (src/sources/create-pull.ts PullStatus).
 */
import Button from '@atlaskit/button/new';
import Lozenge from '@atlaskit/lozenge';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { PullStatus, PullSummary } from '../../../../src/shared/source-types';
import type { SourceView } from '../../../../src/shared/source-api';
import { useAdmin } from '../admin-context';
import { SubTitle } from '../ui/headings';
import { formatAgo, formatTime } from '../ui/format';
import { ActionError } from '../ui/loadable-view';
import { useAction, useLoader } from '../ui/use-loader';

/** Why "Sync now" or a preview did not start, in the admin's words. */
const REFUSALS: Readonly<Record<string, string>> = {
  'not-google': 'Google Workspace is not the directory source: choose it above first.',
  'no-key': 'No service account key is uploaded.',
  'no-admin': 'Name the admin to impersonate first.',
  'not-approved': 'The current settings have no approved preview: preview the changes and approve them first.',
};

const boxStyle = {
  border: `1px solid ${token('color.border', '#091E4224')}`,
  borderRadius: 3,
  padding: '8px 16px 16px',
  marginTop: 12,
} as const;
const subtle = { fontSize: 12, color: token('color.text.subtle', '#44546F') } as const;

/** How often the panel asks again while a pull or preview runs. */
const POLL_MS = 1000;

/** The counts of a pull or preview, as a definition list. */
export function PullCounts({ summary, testId }: { readonly summary: PullSummary; readonly testId: string }): ReactNode {
  const c = summary.changes;
  const applied = summary.mode === 'apply';
  // [label in a preview, label after a pull, value]
  const rows: [string, string, number][] = [
    ['Users read', 'Users read', summary.usersRead],
    ['Groups read', 'Groups read', summary.groupsRead],
    ['Users to create', 'Users created', c.usersCreated],
    ['Users to update', 'Users updated', c.usersUpdated],
    ['Users to deactivate', 'Users deactivated', c.usersDeactivated],
    [
      'Deactivations the circuit breaker would hold',
      'Deactivations held by the circuit breaker',
      summary.heldDeactivations,
    ],
    ['Groups to create', 'Groups created', c.groupsCreated],
    ['Groups to update', 'Groups updated', c.groupsUpdated],
    ['Groups to delete', 'Groups deleted', c.groupsDeleted],
    ['Memberships to add', 'Memberships added', c.membersAdded],
    ['Memberships to remove', 'Memberships removed', c.membersRemoved],
  ];
  return (
    <dl
      data-testid={testId}
      style={{ display: 'grid', gridTemplateColumns: 'max-content max-content', gap: '2px 16px', margin: '8px 0 0' }}
    >
      {rows.map(([before, after, value]) => (
        <div key={before} style={{ display: 'contents' }}>
          <dt style={subtle}>{applied ? after : before}</dt>
          <dd style={{ margin: 0, fontWeight: 600 }} data-count={value}>
            {value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** What the source found and left out: members outside the domain, members not selected, cycles of nested groups. */
function Findings({ summary }: { readonly summary: PullSummary }): ReactNode {
  const f = summary.findings;
  const items: string[] = [];
  const one = (n: number, singular: string, plural: string): string => `${n} ${n === 1 ? singular : plural}`;
  if (f.outsideDomain.count > 0)
    items.push(
      `${one(f.outsideDomain.count, 'member outside your domain was', 'members outside your domain were')} skipped (${f.outsideDomain.sample.join(', ')}).`,
    );
  if (f.notSelected > 0)
    items.push(
      `${one(f.notSelected, 'group member is', 'group members are')} not among the selected users and left out.`,
    );
  for (const cycle of f.cycles)
    items.push(`Nested groups form a cycle: ${cycle.join(' → ')}. Each group gets the members of the whole cycle.`);
  if (summary.breakerReason) items.push(summary.breakerReason);
  if (items.length === 0) return null;
  return (
    <ul data-testid={`findings-${summary.mode}`} style={{ margin: '8px 0 0', paddingLeft: 20 }}>
      {items.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}

/** The pull's state and actions, for a source view that `onView` replaces after each call. */
export function GooglePullPanel({
  view,
  onView,
  headingLevel = 'h3',
}: {
  readonly view: SourceView;
  readonly onView: (next: SourceView) => void;
  readonly headingLevel?: 'h3' | 'h4';
}): ReactNode {
  const { client } = useAdmin();
  const status: PullStatus = view.status;
  const [note, setNote] = useState<string | undefined>(undefined);
  const running = status.running !== undefined;

  // While a run is in progress, ask again every second; the view the parent holds follows.
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => {
      void client.call('source/get').then(onView, () => undefined);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [running, client, onView]);

  const start = useAction(async (kind: 'source/preview' | 'source/sync-now') => {
    const result = await client.call(kind);
    setNote(
      result.started
        ? kind === 'source/preview'
          ? 'Preview started: it reads Google and writes nothing.'
          : 'Pull started.'
        : (REFUSALS[result.refused ?? ''] ?? `Not started (${result.refused ?? 'another run is in progress'}).`),
    );
    onView(await client.call('source/get'));
  });
  const approve = useAction(async () => {
    const result = await client.call('source/approve');
    setNote(
      result.approved
        ? 'Approved: pulls apply from now on, on the schedule and with "Sync now".'
        : 'The preview is of other settings: preview again.',
    );
    onView(await client.call('source/get'));
  });

  const preview = status.lastPreview;
  const previewCurrent = preview !== undefined && preview.config === status.config;
  const last = status.lastPull;
  return (
    <div data-testid="google-pull">
      <SubTitle id="google-pull-heading">Pull</SubTitle>
      <div style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap', marginTop: 8 }}>
        <Button
          onClick={() => void start.run('source/preview')}
          isLoading={start.pending}
          isDisabled={running}
          testId="google-preview"
        >
          Preview changes
        </Button>
        <Button
          appearance="primary"
          onClick={() => void start.run('source/sync-now')}
          isDisabled={running || !status.approved}
          testId="google-sync-now"
        >
          Sync now
        </Button>
        <Lozenge appearance={status.approved ? 'success' : 'moved'} testId="google-approval">
          {status.approved ? 'settings approved' : 'preview and approve first'}
        </Lozenge>
      </div>
      <p role="status" aria-live="polite" style={{ ...subtle, minHeight: 16 }} data-testid="google-pull-note">
        {note ?? ''}
      </p>
      <ActionError
        error={start.error ?? approve.error}
        onDismiss={() => [start, approve].forEach((a) => a.clearError())}
      />
      {status.running ? (
        <div style={{ marginTop: 8 }} data-testid="google-running">
          <SectionMessage
            headingLevel={headingLevel}
            appearance={status.running.error ? 'warning' : 'information'}
            title={`${status.running.mode === 'preview' ? 'Preview' : 'Pull'} in progress: ${status.running.phase}`}
          >
            <p>
              Started {formatTime(status.running.startedAt)}, {status.running.invocations} invocations so far.
            </p>
            {status.running.error ? (
              <p data-testid="google-running-error">
                Stopped on an error at {formatTime(status.running.error.at)} ({status.running.error.kind}):{' '}
                {status.running.error.message}. No one is deactivated until a pull has read every page; it resumes by
                itself.
              </p>
            ) : null}
          </SectionMessage>
        </div>
      ) : null}
      <div style={boxStyle} data-testid="google-preview-result">
        <SubTitle>Preview</SubTitle>
        {preview === undefined ? (
          <p>
            No preview yet. A preview reads Google with the current settings and shows what a pull would change, without
            changing anything.
          </p>
        ) : (
          <>
            <p style={subtle}>
              {formatTime(preview.finishedAt)} ({formatAgo(preview.finishedAt)})
              {previewCurrent ? '' : ': of earlier settings, preview again'}.
            </p>
            <PullCounts summary={preview} testId="google-preview-counts" />
            <Findings summary={preview} />
            {preview.sample.length > 0 ? (
              <details style={{ marginTop: 8 }}>
                <summary>Some of the changes</summary>
                <ul>
                  {preview.sample.map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              </details>
            ) : null}
            {previewCurrent && !status.approved ? (
              <div style={{ marginTop: 12 }}>
                <Button
                  appearance="primary"
                  onClick={() => void approve.run()}
                  isLoading={approve.pending}
                  testId="google-approve"
                >
                  Approve these changes
                </Button>
              </div>
            ) : null}
          </>
        )}
      </div>
      <div style={boxStyle} data-testid="google-last-pull">
        <SubTitle>Last pull</SubTitle>
        {last === undefined ? (
          <p>No pull has run yet.</p>
        ) : (
          <>
            <p style={subtle}>
              {formatTime(last.finishedAt)} ({formatAgo(last.finishedAt)}), {last.invocations} invocations;{' '}
              {last.unchangedUsers} users and {last.unchangedGroups} groups unchanged; {last.changes.directoryWrites}{' '}
              directory writes.
            </p>
            <PullCounts summary={last} testId="google-last-pull-counts" />
            <Findings summary={last} />
          </>
        )}
      </div>
    </div>
  );
}

/** The pull on Status, while Google Workspace is the source (nothing otherwise). */
export function GooglePullStatus(): ReactNode {
  const { client } = useAdmin();
  const source = useLoader(() => client.call('source/get'));
  const { set } = source;
  const onView = useCallback((next: SourceView) => set(next), [set]);
  if (source.state.status !== 'ready' || source.state.value.kind !== 'google-workspace') return null;
  return (
    <section aria-labelledby="google-pull-heading" style={{ marginTop: 24 }} data-testid="status-google">
      <GooglePullPanel view={source.state.value} onView={onView} />
    </section>
  );
}
