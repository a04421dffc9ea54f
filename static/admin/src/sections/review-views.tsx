/**
 * The views of one stored access review (src/admin/review-handlers.ts): who reaches a repository or project and
 * how, what a person reaches, and the flags with the leaver clean-up (a dry run first, then the removal, which the
 * audit log records and the deprovisioning circuit breaker may hold back).
 */
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import SectionMessage from '@atlaskit/section-message';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import { useState, type ReactNode } from 'react';
import type {
  AccessPath,
  AccessRowView,
  CleanupResult,
  ReviewFlagsView,
  ReviewPersonView,
  ReviewSearchView,
} from '../../../../src/shared/review-api';
import { useAdmin } from '../admin-context';
import { SubTitle, TableCaption } from '../ui/headings';
import { Field } from '../ui/field';
import { ActionError, EmptyState, LoadableView } from '../ui/loadable-view';
import { useAction, useLoader } from '../ui/use-loader';

const subtle = { fontSize: 12, color: token('color.text.subtle', '#44546F') } as const;

/** One path in words: how, at which level, from which origin. */
export function describePath(path: AccessPath): string {
  const via =
    path.kind === 'workspace-admin'
      ? 'workspace admin'
      : path.kind === 'public'
        ? 'public repository'
        : `${path.kind.replace('-', ' ')}${path.groupSlug ? ` ${path.groupSlug}` : ''}`;
  const from = path.project ? ` (from project ${path.project}${path.granted ? `, granted ${path.granted}` : ''})` : '';
  const origin =
    path.origin.kind === 'rule'
      ? `rule ${path.origin.ruleIds.join(', ') || '(none now)'}`
      : path.origin.kind === 'app-drift'
        ? `app grant changed by hand (app made ${path.origin.applied})`
        : path.origin.kind === 'public'
          ? 'public'
          : 'not made by the app';
  return `${via}${from}: ${path.level}, ${origin}`;
}

function personLabel(person: ReviewPersonView): string {
  return person.idpUser ?? person.displayName;
}

function StatusLozenge({ person }: { readonly person: ReviewPersonView }): ReactNode {
  if (person.idpStatus === undefined) return <Lozenge appearance="moved">no IdP identity</Lozenge>;
  return <Lozenge appearance={person.idpStatus === 'active' ? 'success' : 'removed'}>{person.idpStatus}</Lozenge>;
}

function AccessTable({
  rows,
  more,
  caption,
  by,
}: {
  readonly rows: readonly AccessRowView[];
  readonly more: number;
  readonly caption: string;
  readonly by: 'person' | 'target';
}): ReactNode {
  return (
    <>
      <DynamicTable
        caption={<TableCaption>{caption}</TableCaption>}
        head={{
          cells: [
            { key: 'who', content: by === 'person' ? 'Person' : 'Repository or project' },
            { key: 'status', content: 'IdP status' },
            { key: 'level', content: 'Level' },
            { key: 'paths', content: 'Through' },
          ],
        }}
        rows={rows.map((row) => ({
          key: `${row.target.type}:${row.target.id}:${row.person.accountId}`,
          cells: [
            {
              key: 'who',
              content:
                by === 'person' ? (
                  <span style={{ overflowWrap: 'anywhere' }}>{personLabel(row.person)}</span>
                ) : (
                  `${row.target.type} ${row.target.id}`
                ),
            },
            { key: 'status', content: <StatusLozenge person={row.person} /> },
            { key: 'level', content: row.level },
            {
              key: 'paths',
              content: (
                <ul style={{ margin: 0, paddingLeft: 16 }}>
                  {row.paths.map((path, i) => (
                    <li key={i}>{describePath(path)}</li>
                  ))}
                </ul>
              ),
            },
          ],
        }))}
        emptyView={<EmptyState title="Nobody reaches it" />}
      />
      {more > 0 ? <p style={subtle}>{`${more} more not shown: the export has every row.`}</p> : null}
    </>
  );
}

/** Search, then who reaches a target or what a person reaches. */
export function ReviewLookup({ snapshotId }: { readonly snapshotId: string }): ReactNode {
  const { client } = useAdmin();
  const [text, setText] = useState('');
  const [found, setFound] = useState<ReviewSearchView | undefined>(undefined);
  const [chosen, setChosen] = useState<
    { kind: 'target'; type: 'repository' | 'project'; id: string } | { kind: 'person'; accountId: string } | undefined
  >(undefined);
  const search = useAction(async () => {
    setFound(await client.call('review/search', { snapshotId, text }));
    setChosen(undefined);
  });
  const detail = useLoader(
    async () =>
      chosen === undefined
        ? undefined
        : chosen.kind === 'target'
          ? {
              by: 'person' as const,
              caption: `Everyone who reaches ${chosen.type} ${chosen.id}`,
              view: await client.call('review/target', { snapshotId, type: chosen.type, id: chosen.id }),
            }
          : {
              by: 'target' as const,
              caption: 'Everything this person reaches',
              view: await client.call('review/person', { snapshotId, accountId: chosen.accountId }),
            },
    JSON.stringify([snapshotId, chosen]),
  );
  return (
    <section aria-labelledby="review-lookup-title">
      <SubTitle id="review-lookup-title">By repository or person</SubTitle>
      <form
        aria-label="Find a repository, project or person"
        onSubmit={(event) => {
          event.preventDefault();
          void search.run();
        }}
        style={{ display: 'flex', gap: 8, alignItems: 'flex-end' }}
      >
        <div style={{ flex: 1 }}>
          <Field id="review-search" label="Repository, project key or person (name, email, account ID)">
            <Textfield
              id="review-search"
              value={text}
              onChange={(event) => setText(event.currentTarget.value)}
              testId="review-search"
            />
          </Field>
        </div>
        <Button type="submit" isLoading={search.pending} testId="review-search-go">
          Find
        </Button>
      </form>
      <ActionError error={search.error} onDismiss={search.clearError} title="The search failed" />
      {found !== undefined ? (
        <div data-testid="review-matches" style={{ display: 'flex', flexWrap: 'wrap', gap: 8, marginTop: 8 }}>
          {found.targets.map((t) => (
            <Button
              key={`${t.target.type}:${t.target.id}`}
              appearance="subtle"
              onClick={() => setChosen({ kind: 'target', type: t.target.type, id: t.target.id })}
            >
              {`${t.target.type} ${t.target.id} (${t.people})`}
            </Button>
          ))}
          {found.people.map((p) => (
            <Button
              key={p.accountId}
              appearance="subtle"
              onClick={() => setChosen({ kind: 'person', accountId: p.accountId })}
            >
              {`person ${personLabel(p)}`}
            </Button>
          ))}
          {found.targets.length + found.people.length === 0 ? <p style={subtle}>Nothing matches.</p> : null}
        </div>
      ) : null}
      {chosen !== undefined ? (
        <div data-testid="review-detail" style={{ marginTop: 8 }}>
          <LoadableView state={detail.state} what="the access" onRetry={() => detail.reload()}>
            {(value) =>
              value === undefined ? null : (
                <AccessTable rows={value.view.rows} more={value.view.more} caption={value.caption} by={value.by} />
              )
            }
          </LoadableView>
        </div>
      ) : null}
    </section>
  );
}

function CleanupReport({ result }: { readonly result: CleanupResult }): ReactNode {
  const grants = result.leavers.reduce((sum, l) => sum + l.removed.length, 0);
  return (
    <div data-testid="review-cleanup-result" style={{ marginTop: 8 }}>
      <SectionMessage
        appearance={result.paused ? 'warning' : result.dryRun ? 'information' : 'success'}
        title={
          result.dryRun ? `Dry run: ${grants} direct grant(s) would be removed` : `${grants} direct grant(s) removed`
        }
      >
        <ul style={{ margin: 0, paddingLeft: 16 }}>
          {result.leavers.map((l) => (
            <li key={l.accountId}>
              {l.userName}:{' '}
              {l.skipped ??
                (l.removed.map((g) => `${g.target.type} ${g.target.id} (${g.level})`).join(', ') || 'nothing')}
              {l.failed.length > 0 ? ` — failed: ${l.failed.map((f) => `${f.target.id}: ${f.error}`).join('; ')}` : ''}
            </li>
          ))}
        </ul>
        {result.paused ? <p>{result.paused}</p> : null}
        {result.next !== undefined ? <p>The invocation's budget ran out; run the clean-up again to go on.</p> : null}
      </SectionMessage>
    </div>
  );
}

function FlagList({
  title,
  items,
  total,
  testId,
}: {
  readonly title: string;
  readonly items: readonly string[];
  readonly total: number;
  readonly testId: string;
}): ReactNode {
  return (
    <div data-testid={testId}>
      <p style={{ fontWeight: 600, marginBottom: 4 }}>{`${title}: ${total}`}</p>
      {items.length > 0 ? (
        <ul style={{ marginTop: 0, paddingLeft: 16 }}>
          {items.map((item, i) => (
            <li key={i} style={{ overflowWrap: 'anywhere' }}>
              {item}
            </li>
          ))}
        </ul>
      ) : null}
      {total > items.length ? <p style={subtle}>{`${total - items.length} more in the export.`}</p> : null}
    </div>
  );
}

/** The flags of a review, and the leaver clean-up. */
export function ReviewFlags({
  snapshotId,
  onCleaned,
}: {
  readonly snapshotId: string;
  readonly onCleaned: () => void;
}): ReactNode {
  const { client } = useAdmin();
  const flags = useLoader(() => client.call('review/flags', { snapshotId }), snapshotId);
  const [result, setResult] = useState<CleanupResult | undefined>(undefined);
  const [reconcileQueued, setReconcileQueued] = useState<string | undefined>(undefined);
  const reconcile = useAction(async () => {
    const queued = await client.call('sync/run');
    setReconcileQueued(` Reconcile queued (${queued.queued} item(s)); Status shows its progress.`);
  });
  const cleanup = useAction(async (dryRun: boolean, accountIds?: readonly string[]) => {
    const answer = await client.call('review/cleanup', { snapshotId, dryRun, ...(accountIds ? { accountIds } : {}) });
    setResult(answer);
    if (!dryRun) onCleaned();
  });
  return (
    <section aria-labelledby="review-flags-title">
      <SubTitle id="review-flags-title">Flags</SubTitle>
      <LoadableView state={flags.state} what="the flags" onRetry={() => flags.reload()}>
        {(view: ReviewFlagsView) => (
          <div style={{ display: 'grid', gap: 8 }}>
            <div data-testid="review-leavers">
              <p
                style={{ fontWeight: 600, marginBottom: 4 }}
              >{`Leavers who still have access: ${view.totals.leavers}`}</p>
              {view.leavers.length === 0 ? (
                <p style={subtle}>No deactivated or deleted IdP user reaches anything.</p>
              ) : null}
              <ul style={{ marginTop: 0, paddingLeft: 16 }}>
                {view.leavers.map((l) => (
                  <li key={l.accountId} style={{ marginBottom: 4 }}>
                    <span>{`${l.identity.userName} (${l.identity.status}): ${l.directGrants.length} direct grant(s)`}</span>
                    {l.otherPaths.length > 0 ? (
                      <span
                        style={subtle}
                      >{`; also ${l.otherPaths.join('; ')} (group memberships are the sync's)`}</span>
                    ) : null}{' '}
                    {l.directGrants.length > 0 ? (
                      <Button appearance="subtle" onClick={() => void cleanup.run(true, [l.accountId])}>
                        {`Dry run for ${l.identity.userName}`}
                      </Button>
                    ) : null}
                  </li>
                ))}
              </ul>
              <div style={{ display: 'flex', gap: 8 }}>
                <Button
                  onClick={() => void cleanup.run(true)}
                  isDisabled={view.totals.leavers === 0}
                  isLoading={cleanup.pending}
                  testId="review-cleanup-dry-run"
                >
                  Dry run: remove all leavers' direct grants
                </Button>
                <Button
                  appearance="danger"
                  onClick={() =>
                    void cleanup.run(
                      false,
                      result?.dryRun === true
                        ? result.leavers.filter((l) => l.removed.length > 0).map((l) => l.accountId)
                        : undefined,
                    )
                  }
                  isDisabled={result?.dryRun !== true || view.totals.leavers === 0}
                  isLoading={cleanup.pending}
                  testId="review-cleanup-apply"
                >
                  Remove the grants of the dry run
                </Button>
              </div>
              <ActionError error={cleanup.error} onDismiss={cleanup.clearError} title="The clean-up failed" />
              {result !== undefined ? <CleanupReport result={result} /> : null}
            </div>
            <FlagList
              testId="review-orphans"
              title="Workspace members with no IdP identity"
              total={view.totals.orphans}
              items={view.orphans.map((o) => `${o.displayName}${o.admin ? ' (workspace admin)' : ''}`)}
            />
            <FlagList
              testId="review-hand-made"
              title="Grants made by hand on targets the rules manage"
              total={view.totals.handMade}
              items={view.handMade.map(
                (h) =>
                  `${h.target.type} ${h.target.id}: ${h.principal.type === 'group' ? `group ${h.principal.slug}` : `user ${h.principal.accountId}`} ${h.level}`,
              )}
            />
            <FlagList
              testId="review-drift"
              title="App grants changed by hand (the reconcile under Status repairs them)"
              total={view.totals.drift}
              items={view.drift.map(
                (d) =>
                  `${d.target.type} ${d.target.id}: ${d.groupSlug} ${d.actual ?? 'removed'} (app made ${d.applied})`,
              )}
            />
            {view.totals.drift > 0 ? (
              <div>
                <Button onClick={() => void reconcile.run()} isLoading={reconcile.pending} testId="review-reconcile">
                  Run the reconcile that repairs them
                </Button>
                <span role="status" style={subtle}>
                  {reconcileQueued ?? ''}
                </span>
                <ActionError
                  error={reconcile.error}
                  onDismiss={reconcile.clearError}
                  title="The reconcile could not start"
                />
              </div>
            ) : null}
            <p style={subtle} data-testid="review-cross-check">
              {view.crossCheck !== undefined
                ? `Cross-check with Bitbucket's effective permissions: ${view.crossCheck.compared} compared, ${view.crossCheck.mismatched} differ.`
                : `Not cross-checked${view.crossCheckSkipped ? `: ${view.crossCheckSkipped}` : ''}.`}
            </p>
          </div>
        )}
      </LoadableView>
    </section>
  );
}
