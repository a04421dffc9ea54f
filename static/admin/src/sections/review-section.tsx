/**
 * Access review (issue 17): who can reach each repository and project, through what, and the leavers who still can.
 * Starts a review and follows its progress (it reads in bounded steps every five minutes, yielding to permission
 * sync; "Read now" takes a step at once), lists the stored reviews (the last 12 are kept), shows one review by
 * repository, by person and its flags with the leaver clean-up (src/sections/review-views.tsx), the diff between two
 * reviews, and exports a review as CSV or JSON, page by page (each page at most 1 MB).
 */
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import { useEffect, useState, type ReactNode } from 'react';
import type {
  AccessChange,
  ReviewDiffView,
  ReviewRunView,
  ReviewStatusView,
  SnapshotMeta,
} from '../../../../src/shared/review-api';
import { useAdmin } from '../admin-context';
import type { SectionProps } from '../app';
import { downloadText } from '../ui/download';
import { formatTime } from '../ui/format';
import { SectionTitle, SubTitle, TableCaption } from '../ui/headings';
import { ActionError, EmptyState, LoadableView } from '../ui/loadable-view';
import { useAction, useLoader } from '../ui/use-loader';
import { describePath, ReviewFlags, ReviewLookup } from './review-views';

const subtle = { fontSize: 12, color: token('color.text.subtle', '#44546F') } as const;
/** How often the page asks for progress while a review runs. */
const POLL_MS = 5_000;

const WAITING = {
  'permission-sync': 'waiting for a pending permission sync, which goes first',
  'hourly-share': "waiting for its share of the Bitbucket token's hourly limit",
  'rate-limit': 'waiting: Bitbucket asked the app to slow down',
} as const;

function progressText(run: ReviewRunView): string {
  if (run.status === 'done')
    return `Finished ${formatTime(run.finishedAt ?? run.startedAt)} after ${run.steps} step(s) and ${run.bitbucketRequests} Bitbucket request(s).`;
  if (run.status === 'failed') return `Failed: ${run.error ?? 'unknown error'}`;
  if (run.status === 'cancelled') return 'Cancelled.';
  const targets =
    run.targets > 0
      ? `${run.targetsRead} of ${run.targets} repositories and projects read`
      : `reading ${run.bitbucketPhase}`;
  const wait =
    run.waiting !== undefined
      ? `; ${WAITING[run.waiting.reason]}${run.waiting.until ? ` (until ${formatTime(run.waiting.until)})` : ''}`
      : '';
  return `Running since ${formatTime(run.startedAt)}: ${targets}, ${run.bitbucketRequests} Bitbucket request(s) in ${run.steps} step(s)${wait}.`;
}

function snapshotLabel(meta: SnapshotMeta): string {
  return `${formatTime(meta.finishedAt)} (${meta.scope.kind === 'workspace' ? 'whole workspace' : `projects ${meta.scope.keys.join(', ')}`})`;
}

function changeText(change: AccessChange): string {
  const before = change.before ? `${change.before.level} via ${change.before.paths.map(describePath).join('; ')}` : '';
  const after = change.after ? `${change.after.level} via ${change.after.paths.map(describePath).join('; ')}` : '';
  return change.change === 'added'
    ? `gained ${after}`
    : change.change === 'removed'
      ? `lost ${before}`
      : `${before} → ${after}`;
}

/** The diff between two stored reviews. */
function ReviewDiff({ snapshots }: { readonly snapshots: readonly SnapshotMeta[] }): ReactNode {
  const { client } = useAdmin();
  const [from, setFrom] = useState(snapshots[1]?.id ?? '');
  const [to, setTo] = useState(snapshots[0]?.id ?? '');
  const [view, setView] = useState<ReviewDiffView | undefined>(undefined);
  const diff = useAction(async (offset: number) => setView(await client.call('review/diff', { from, to, offset })));
  if (snapshots.length < 2) return <p style={subtle}>The diff needs two stored reviews.</p>;
  const options = snapshots.map((s) => (
    <option key={s.id} value={s.id}>
      {snapshotLabel(s)}
    </option>
  ));
  return (
    <div>
      <div style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
        <label htmlFor="review-diff-from">From</label>
        <select id="review-diff-from" value={from} onChange={(event) => setFrom(event.currentTarget.value)}>
          {options}
        </select>
        <label htmlFor="review-diff-to">to</label>
        <select id="review-diff-to" value={to} onChange={(event) => setTo(event.currentTarget.value)}>
          {options}
        </select>
        <Button onClick={() => void diff.run(0)} isLoading={diff.pending} testId="review-diff-go">
          Show what changed
        </Button>
      </div>
      <ActionError error={diff.error} onDismiss={diff.clearError} title="The diff failed" />
      {view !== undefined ? (
        <div data-testid="review-diff">
          <DynamicTable
            caption={
              <TableCaption>{`${view.total} change(s)${view.total > view.changes.length ? `, ${view.offset + 1} to ${view.offset + view.changes.length} shown` : ''}`}</TableCaption>
            }
            head={{
              cells: [
                { key: 'target', content: 'Repository or project' },
                { key: 'who', content: 'Account' },
                { key: 'change', content: 'Change' },
              ],
            }}
            rows={view.changes.map((c) => ({
              key: `${c.target.type}:${c.target.id}:${c.accountId}`,
              cells: [
                { key: 'target', content: `${c.target.type} ${c.target.id}` },
                { key: 'who', content: <span style={{ overflowWrap: 'anywhere' }}>{c.accountId}</span> },
                { key: 'change', content: changeText(c) },
              ],
            }))}
            emptyView={<EmptyState title="No access changed between these reviews" />}
          />
          <nav aria-label="Diff pages" style={{ display: 'flex', gap: 8 }}>
            <Button
              isDisabled={view.offset === 0}
              onClick={() => void diff.run(Math.max(0, view.offset - view.changes.length))}
            >
              Previous
            </Button>
            <Button
              isDisabled={view.offset + view.changes.length >= view.total}
              onClick={() => void diff.run(view.offset + view.changes.length)}
            >
              Next
            </Button>
          </nav>
        </div>
      ) : null}
    </div>
  );
}

/** The export of one review, one file per page of at most 1 MB. */
function ReviewExport({ snapshotId }: { readonly snapshotId: string }): ReactNode {
  const { client } = useAdmin();
  const [next, setNext] = useState<{ format: 'csv' | 'json'; cursor: string; page: number } | undefined>(undefined);
  const [note, setNote] = useState<string | undefined>(undefined);
  const exportPage = useAction(async (format: 'csv' | 'json', cursor?: string, page: number = 1) => {
    const result = await client.call('review/export', { snapshotId, format, ...(cursor ? { cursor } : {}) });
    const name = page === 1 ? result.fileName : result.fileName.replace(/\.(csv|json)$/, `-part${page}.$1`);
    downloadText(name, result.body, result.contentType);
    setNext(result.cursor !== undefined ? { format, cursor: result.cursor, page: page + 1 } : undefined);
    setNote(
      `${result.rows} of ${result.totalRows} row(s) exported as ${format.toUpperCase()} in ${name}${result.cursor !== undefined ? '; download the next part for the rest' : ''}.`,
    );
  });
  return (
    <div>
      <div style={{ display: 'flex', gap: 8 }}>
        <Button onClick={() => void exportPage.run('csv')} isLoading={exportPage.pending} testId="review-export-csv">
          Export CSV
        </Button>
        <Button onClick={() => void exportPage.run('json')} isLoading={exportPage.pending} testId="review-export-json">
          Export JSON
        </Button>
        {next !== undefined ? (
          <Button onClick={() => void exportPage.run(next.format, next.cursor, next.page)} testId="review-export-next">
            {`Download part ${next.page}`}
          </Button>
        ) : null}
      </div>
      <p role="status" aria-live="polite" style={{ ...subtle, minHeight: 16 }}>
        {note ?? ''}
      </p>
      <ActionError error={exportPage.error} onDismiss={exportPage.clearError} title="The export failed" />
    </div>
  );
}

/** The Access review section. */
export function ReviewSection(_props: SectionProps): ReactNode {
  const { client } = useAdmin();
  const status = useLoader(() => client.call('review/status'));
  const { reload } = status;
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const running = status.state.status === 'ready' && status.state.value.run?.status === 'running';
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => reload(true), POLL_MS);
    return () => clearInterval(timer);
  }, [running, reload]);
  const act = useAction(async (key: 'review/start' | 'review/step' | 'review/cancel') => {
    const view: ReviewStatusView =
      key === 'review/start' ? await client.call('review/start', {}) : await client.call(key);
    status.set(view);
  });

  return (
    <div>
      <SectionTitle description="Who can reach each repository and project, through which group, grant or rule, and the people who left the identity provider but still can.">
        Access review
      </SectionTitle>
      <LoadableView state={status.state} what="the access review" onRetry={() => reload()}>
        {(view) => {
          const snapshot = view.snapshots.find((s) => s.id === selected) ?? view.snapshots[0];
          return (
            <div>
              <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'center' }}>
                <Button
                  appearance="primary"
                  onClick={() => void act.run('review/start')}
                  isDisabled={running}
                  isLoading={act.pending}
                  testId="review-start"
                >
                  Start a review
                </Button>
                <Button onClick={() => void act.run('review/step')} isDisabled={!running} testId="review-step">
                  Read now
                </Button>
                <Button appearance="subtle" onClick={() => void act.run('review/cancel')} isDisabled={!running}>
                  Cancel
                </Button>
              </div>
              <p
                role="status"
                data-testid="review-progress"
                data-run-status={view.run?.status ?? 'none'}
                style={{ ...subtle, marginTop: 8 }}
              >
                {view.run !== undefined
                  ? progressText(view.run)
                  : 'No review yet. A review reads Bitbucket a little at a time, leaving permission sync its share of the token.'}
              </p>
              <ActionError error={act.error} onDismiss={act.clearError} title="That did not work" />
              <SubTitle id="review-snapshots-title">Stored reviews</SubTitle>
              {view.snapshots.length === 0 ? (
                <EmptyState title="No review has finished yet" />
              ) : (
                <div data-testid="review-snapshots">
                  <DynamicTable
                    caption={<TableCaption>The last 12 reviews are kept</TableCaption>}
                    head={{
                      cells: [
                        { key: 'at', content: 'Finished' },
                        { key: 'scope', content: 'Covers' },
                        { key: 'flags', content: 'Flags' },
                        { key: 'open', content: '' },
                      ],
                    }}
                    rows={view.snapshots.map((s) => ({
                      key: s.id,
                      cells: [
                        { key: 'at', content: formatTime(s.finishedAt) },
                        {
                          key: 'scope',
                          content: `${s.summary.repositories} repositories, ${s.summary.projects} projects, ${s.summary.people} people`,
                        },
                        {
                          key: 'flags',
                          content: `${s.summary.leavers} leaver(s), ${s.summary.orphans} orphan(s), ${s.summary.handMade} hand-made, ${s.summary.drift} drift`,
                        },
                        {
                          key: 'open',
                          content:
                            s.id === snapshot?.id ? (
                              <strong>shown below</strong>
                            ) : (
                              <Button appearance="subtle" onClick={() => setSelected(s.id)}>
                                Show
                              </Button>
                            ),
                        },
                      ],
                    }))}
                  />
                </div>
              )}
              {snapshot !== undefined ? (
                <div data-testid="review-snapshot" data-snapshot-id={snapshot.id}>
                  {snapshot.crossCheck !== undefined && snapshot.crossCheck.mismatched > 0 ? (
                    <SectionMessage
                      appearance="warning"
                      title="Bitbucket's effective permissions differ from the review"
                    >
                      <p>{`${snapshot.crossCheck.mismatched} of ${snapshot.crossCheck.compared} person-repository levels differ; the export has the review's reasoning for each.`}</p>
                    </SectionMessage>
                  ) : null}
                  <ReviewLookup snapshotId={snapshot.id} />
                  <ReviewFlags key={snapshot.id} snapshotId={snapshot.id} onCleaned={() => reload(true)} />
                  <SubTitle id="review-export-title">Export</SubTitle>
                  <ReviewExport snapshotId={snapshot.id} />
                </div>
              ) : null}
              <SubTitle id="review-diff-title">What changed since an earlier review</SubTitle>
              <ReviewDiff key={view.snapshots.map((s) => s.id).join(',')} snapshots={view.snapshots} />
            </div>
          );
        }}
      </LoadableView>
    </div>
  );
}
