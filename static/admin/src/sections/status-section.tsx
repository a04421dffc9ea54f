/**
 * Status: the sync's queue depth and a progress bar while it runs, the last sync and reconcile, counts by state,
 * the resources in each state (failed ones with their error and a retry button, each with when it was last compared
 * with the organization and what that found), "sync now", and an activity chart over the last day; while Google
 * Workspace is the source, its pull (a stopped pull shows here with its error). The section refreshes itself while
 * it is open.
 */
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import ProgressBar from '@atlaskit/progress-bar';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { SyncItemView, SyncStatusView } from '../../../../src/shared/admin-api';
import type { SyncState } from '../../../../src/shared/status-types';
import { useAdmin } from '../admin-context';
import { AuthFailuresNotice } from './auth-failures-notice';
import { SectionTitle, SubTitle, TableCaption } from '../ui/headings';
import type { SectionProps } from '../app';
import { ActivityChart } from '../ui/activity-chart';
import { DiagnosticsSummary } from './diagnostics-summary';
import { GooglePullStatus } from './google-pull-panel';
import { formatAgo, formatTime, sentence } from '../ui/format';
import { ActionError, EmptyState, LoadableView } from '../ui/loadable-view';
import { useAction, useLoader } from '../ui/use-loader';
import { VisuallyHidden } from '../ui/visually-hidden';

/** The states in the order the page lists them; the first is the one shown first. */
const STATES = ['failed', 'pending', 'skipped', 'synced'] as const satisfies readonly SyncState[];
const _everyStateListed: [Exclude<SyncState, (typeof STATES)[number]>] extends [never] ? true : false = true;

const STATE_APPEARANCE = { failed: 'removed', pending: 'inprogress', skipped: 'moved', synced: 'success' } as const;

/** What the last comparison with the organization found, in words. */
const COMPARISON_WORDS = {
  equal: 'no difference',
  different: 'difference found',
  repaired: 'difference repaired',
} as const;

/** When a resource was last compared with the organization and what that found ("2 minutes ago: difference repaired"). */
function LastComparison({ item }: { readonly item: SyncItemView }): ReactNode {
  if (!item.lastComparedAt) return <span>not compared yet</span>;
  return (
    <span title={formatTime(item.lastComparedAt)} data-testid="status-item-comparison">
      {formatAgo(item.lastComparedAt)}: {item.lastComparison ? COMPARISON_WORDS[item.lastComparison] : '—'}
      {item.difference ? <span style={{ display: 'block', fontSize: 12 }}>{item.difference}</span> : null}
    </span>
  );
}

const POLL_IDLE_MS = 5000;
const POLL_RUNNING_MS = 1500;
/** The resolver answers at most 20 items a call. */
const ITEMS_PAGE = 20;

/** Calls `tick` every `intervalMs` while the component is on the page. */
function useInterval(tick: () => void, intervalMs: number): void {
  useEffect(() => {
    const timer = setInterval(tick, intervalMs);
    return () => clearInterval(timer);
  }, [tick, intervalMs]);
}

const statStyle = {
  border: `1px solid ${token('color.border', '#091E4224')}`,
  borderRadius: 3,
  padding: '8px 12px',
} as const;

function Stat({
  label,
  value,
  detail,
}: {
  readonly label: string;
  readonly value: ReactNode;
  readonly detail?: string;
}): ReactNode {
  return (
    <div style={statStyle}>
      <dt style={{ fontSize: 12, color: token('color.text.subtle', '#44546F') }}>{label}</dt>
      <dd style={{ margin: 0, fontSize: 20, fontWeight: 600 }} title={detail}>
        {value}
      </dd>
    </div>
  );
}

/** The Status section. */
export function StatusSection({ onChanged }: SectionProps): ReactNode {
  const { client } = useAdmin();
  const status = useLoader(() => client.call('sync/status'));
  const activity = useLoader(() => client.call('sync/activity', { hours: 24 }));
  const [state, setState] = useState<SyncState>('failed');
  const [itemsVersion, setItemsVersion] = useState(0);
  const running = status.state.status === 'ready' && (status.state.value.running || status.state.value.queueDepth > 0);
  const { reload: reloadStatus } = status;
  const { reload: reloadActivity } = activity;
  const poll = useCallback(() => {
    reloadStatus(true);
    setItemsVersion((version) => version + 1);
  }, [reloadStatus]);
  useInterval(poll, running ? POLL_RUNNING_MS : POLL_IDLE_MS);
  const pollActivity = useCallback(() => reloadActivity(true), [reloadActivity]);
  useInterval(pollActivity, 15_000);

  /** The last reconcile when "Sync now" was chosen; the note stays until a newer reconcile has run and the queue is empty. */
  const [queuedAfter, setQueuedAfter] = useState<{ readonly reconcile: string | undefined } | undefined>(undefined);
  const syncNow = useAction(async () => {
    const before = status.state.status === 'ready' ? status.state.value.lastReconcileAt : undefined;
    const result = await client.call('sync/run');
    setQueuedAfter({ reconcile: before });
    poll();
    onChanged();
    return result;
  });
  const view = status.state.status === 'ready' ? status.state.value : undefined;
  const queued =
    queuedAfter !== undefined &&
    !(view !== undefined && view.lastReconcileAt !== queuedAfter.reconcile && !view.running && view.queueDepth === 0);
  useEffect(() => {
    if (queuedAfter !== undefined && !queued) setQueuedAfter(undefined);
  }, [queued, queuedAfter]);

  return (
    <div>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8, flexWrap: 'wrap' }}>
        <SectionTitle>Status</SectionTitle>
        <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
          <span role="status" aria-live="polite" style={{ fontSize: 12 }}>
            {queued ? 'A full sync is queued.' : ''}
          </span>
          <Button
            appearance="primary"
            onClick={() => void syncNow.run()}
            isLoading={syncNow.pending}
            testId="status-sync-now"
          >
            Sync now
          </Button>
        </div>
      </div>
      <ActionError error={syncNow.error} onDismiss={syncNow.clearError} />
      <LoadableView state={status.state} what="the sync status" onRetry={() => status.reload()}>
        {(view) => <Overview view={view} state={state} onPickState={setState} />}
      </LoadableView>
      <GooglePullStatus />
      <section aria-labelledby="status-items-heading" style={{ marginTop: 24 }}>
        <SubTitle id="status-items-heading">Resources by state</SubTitle>
        <div role="group" aria-label="Show resources in state" style={{ display: 'flex', gap: 4, marginTop: 8 }}>
          {STATES.map((option) => (
            <Button
              key={option}
              appearance={option === state ? 'primary' : 'subtle'}
              onClick={() => setState(option)}
              aria-pressed={option === state}
              testId={`status-state-${option}`}
            >
              {option}
            </Button>
          ))}
        </div>
        <ItemsList state={state} version={itemsVersion} onRetried={poll} />
      </section>
      <DiagnosticsSummary />
      <section aria-labelledby="status-activity-heading" style={{ marginTop: 24 }}>
        <SubTitle id="status-activity-heading">Activity, last 24 hours</SubTitle>
        <LoadableView state={activity.state} what="the activity" onRetry={() => activity.reload()}>
          {(buckets) =>
            buckets.length === 0 || buckets.every((bucket) => bucket.applied + bucket.failed + bucket.other === 0) ? (
              <EmptyState title="No activity in the last 24 hours">
                Changes appear here once the identity provider pushes users or groups.
              </EmptyState>
            ) : (
              <ActivityChart buckets={buckets} title="Audit entries per hour by outcome" />
            )
          }
        </LoadableView>
      </section>
    </div>
  );
}

function Overview({
  view,
  state,
  onPickState,
}: {
  readonly view: SyncStatusView;
  readonly state: SyncState;
  readonly onPickState: (state: SyncState) => void;
}): ReactNode {
  const total = STATES.reduce((sum, option) => sum + view.counts[option], 0);
  const settled = view.counts.synced + view.counts.skipped + view.counts.failed;
  const running = view.running || view.queueDepth > 0;
  return (
    <div data-testid="status-overview">
      <AuthFailuresNotice failures={view.authFailures} />
      {view.dryRun ? (
        <div style={{ marginTop: 8 }}>
          <SectionMessage headingLevel="h3" appearance="discovery" title="Dry run is on">
            <p>Changes are planned and recorded in the audit log, not applied. Turn it off under Provisioning.</p>
          </SectionMessage>
        </div>
      ) : null}
      {view.breaker.tripped ? (
        <div style={{ marginTop: 8 }}>
          <SectionMessage headingLevel="h3" appearance="warning" title="Deactivations are paused">
            <p>
              {sentence(view.breaker.reason ?? 'The circuit breaker tripped')} {view.waitingDeactivations} deactivation
              {view.waitingDeactivations === 1 ? ' waits' : 's wait'}. Confirm under Provisioning once they are
              intended.
            </p>
          </SectionMessage>
        </div>
      ) : null}
      <dl
        style={{
          display: 'grid',
          gridTemplateColumns: 'repeat(auto-fill, minmax(160px, 1fr))',
          gap: 8,
          margin: '12px 0 0',
          padding: 0,
        }}
      >
        <Stat label="Queue depth" value={view.queueDepthIsLowerBound ? `${view.queueDepth}+` : view.queueDepth} />
        <Stat label="Users" value={view.totals.users} />
        <Stat label="Groups" value={view.totals.groups} />
        <Stat
          label="Bitbucket permissions"
          value={
            <span data-testid="status-permissions">
              {view.permissions
                ? `${view.permissions.state}, ${view.permissions.grants} grant${view.permissions.grants === 1 ? '' : 's'}`
                : 'not run yet'}
            </span>
          }
          {...(view.permissions?.lastError
            ? { detail: view.permissions.lastError }
            : view.permissions?.lastComparedAt
              ? {
                  detail: `Last compared with Bitbucket ${formatTime(view.permissions.lastComparedAt)}: ${view.permissions.lastComparison ? COMPARISON_WORDS[view.permissions.lastComparison] : '—'}`,
                }
              : {})}
        />
        <Stat label="Last sync" value={formatAgo(view.lastSyncAt)} detail={formatTime(view.lastSyncAt)} />
        <Stat
          label="Last reconcile"
          value={formatAgo(view.lastReconcileAt)}
          detail={formatTime(view.lastReconcileAt)}
        />
      </dl>
      <div style={{ marginTop: 12 }}>
        {running ? (
          <>
            <p style={{ margin: '0 0 4px' }} id="status-progress-label">
              Syncing: {settled} of {total} resources settled, {view.queueDepth} queued.
            </p>
            <ProgressBar
              ariaLabel="Sync progress"
              value={total > 0 ? settled / total : 0}
              isIndeterminate={total === 0}
            />
          </>
        ) : (
          <p style={{ margin: 0 }}>
            {total === 0
              ? 'Nothing has been synced yet.'
              : 'The sync is idle: every change the identity provider pushed has been processed.'}
          </p>
        )}
      </div>
      <div style={{ display: 'flex', gap: 12, marginTop: 12, flexWrap: 'wrap' }} aria-label="Resources by sync state">
        {STATES.map((option) => (
          <button
            key={option}
            type="button"
            onClick={() => onPickState(option)}
            aria-pressed={option === state}
            style={{
              background: 'none',
              border: 0,
              padding: 0,
              cursor: 'pointer',
              display: 'inline-flex',
              gap: 4,
              alignItems: 'center',
              color: 'inherit',
              font: 'inherit',
            }}
            data-testid={`status-count-${option}`}
            data-count={view.counts[option]}
          >
            <Lozenge appearance={STATE_APPEARANCE[option]}>{option}</Lozenge>
            <span style={{ fontWeight: 600 }}>
              {view.counts[option]}
              {view.countsAtLeast.includes(option) ? '+' : ''}
            </span>
            <VisuallyHidden>resources, show them</VisuallyHidden>
          </button>
        ))}
      </div>
    </div>
  );
}

function ItemsList({
  state,
  version,
  onRetried,
}: {
  readonly state: SyncState;
  readonly version: number;
  readonly onRetried: () => void;
}): ReactNode {
  const { client } = useAdmin();
  const [pages, setPages] = useState(1);
  const items = useLoader(async () => {
    const collected: SyncItemView[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < pages; page += 1) {
      const result = await client.call('sync/items', { state, limit: ITEMS_PAGE, ...(cursor ? { cursor } : {}) });
      collected.push(...result.items);
      cursor = result.cursor;
      if (!cursor) break;
    }
    return { items: collected, more: cursor !== undefined };
  }, `${state}:${pages}`);
  const { reload } = items;
  useEffect(() => {
    if (version > 0) reload(true);
  }, [version, reload]);
  useEffect(() => setPages(1), [state]);
  const retry = useAction(async (keys?: readonly string[]) => {
    await client.call('sync/retry', keys ? { keys } : {});
    onRetried();
  });

  return (
    <div style={{ marginTop: 8 }} data-testid="status-items">
      <ActionError error={retry.error} onDismiss={retry.clearError} />
      <LoadableView state={items.state} what={`${state} resources`} onRetry={() => items.reload()}>
        {({ items: list, more }) => (
          <>
            {state === 'failed' && list.length > 0 ? (
              <div style={{ marginBottom: 8 }}>
                <Button onClick={() => void retry.run()} isLoading={retry.pending}>
                  Retry all failed
                </Button>
              </div>
            ) : null}
            <DynamicTable
              caption={<TableCaption>{`${state[0]?.toUpperCase() ?? ''}${state.slice(1)} resources`}</TableCaption>}
              head={{
                cells: [
                  { key: 'kind', content: 'Kind' },
                  { key: 'name', content: 'Name' },
                  { key: 'state', content: 'State' },
                  { key: 'detail', content: 'Detail' },
                  { key: 'compared', content: 'Last compared with the organization' },
                  { key: 'attempts', content: 'Attempts' },
                  { key: 'actions', content: <VisuallyHidden>Actions</VisuallyHidden> },
                ],
              }}
              rows={list.map((item) => ({
                key: item.key,
                cells: [
                  { key: 'kind', content: item.kind },
                  { key: 'name', content: <span data-testid="status-item-name">{item.display}</span> },
                  {
                    key: 'state',
                    content: (
                      <span style={{ display: 'inline-flex', gap: 4 }}>
                        <Lozenge appearance={STATE_APPEARANCE[item.state]}>{item.state}</Lozenge>
                        {item.deactivated ? <Lozenge appearance="removed">deactivated</Lozenge> : null}
                      </span>
                    ),
                  },
                  {
                    key: 'detail',
                    content: (
                      <span>
                        {item.lastError ? (
                          <span style={{ color: token('color.text.danger', '#AE2E24') }}>{item.lastError}</span>
                        ) : (
                          (item.detail ?? (item.accountId ? `account ${item.accountId}` : '—'))
                        )}
                        {item.nextRetryAt ? (
                          <span style={{ display: 'block', fontSize: 12 }}>
                            next retry {formatTime(item.nextRetryAt)}
                          </span>
                        ) : null}
                      </span>
                    ),
                  },
                  { key: 'compared', content: <LastComparison item={item} /> },
                  { key: 'attempts', content: item.attempts },
                  {
                    key: 'actions',
                    content:
                      item.state === 'failed' || item.state === 'skipped' ? (
                        <Button
                          appearance="subtle"
                          onClick={() => void retry.run([item.key])}
                          isDisabled={retry.pending}
                          aria-label={`Retry ${item.display}`}
                        >
                          Retry
                        </Button>
                      ) : null,
                  },
                ],
              }))}
              emptyView={
                <EmptyState title={`No ${state} resources`}>
                  {state === 'failed' ? 'Nothing has failed.' : 'Pick another state above.'}
                </EmptyState>
              }
            />
            {more ? <Button onClick={() => setPages((count) => count + 1)}>Show more</Button> : null}
          </>
        )}
      </LoadableView>
    </div>
  );
}
