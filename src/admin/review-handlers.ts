/**
 * The "Access review" resolvers (src/shared/review-api.ts), guarded like every admin call: start, follow and cancel a
 * review, step it now, look a stored review up by repository or project, by person and by text, its flags, the diff
 * between two reviews, the export in pages of at most 1 MB, and the leaver clean-up. Each answer is bounded (lists at
 * most 200 or 500 long, with the count of the rest), and the calls that reach Bitbucket run within a resolver's budget.
 */
import { reviewParts, type ReviewParts } from '../review/create-review';
import type { AccessEntry, TargetRef } from '../review/access-model';
import type { ReviewPerson } from '../review/effective-access';
import { cleanUpLeavers } from '../review/leaver-cleanup';
import { accessOf, accessTo } from '../review/review-core';
import { diffReviews } from '../review/review-diff';
import { exportPage } from '../review/review-export';
import { progressOf, type ReviewScope, type RunState } from '../review/review-run';
import { loadReview, type LoadedReview } from '../review/review-snapshot';
import type { AccessRowView, ReviewApi, ReviewPersonView, ReviewRunView, ReviewStatusView } from '../shared/review-api';
import { budgetAllows, withinBudget } from '../sync/call-budget';
import type { Guarded, Handlers } from './admin-guard';
import type { AdminParts } from './admin-parts';
import { openAdminCursor, sealAdminCursor } from './admin-cursor';
import { optionalChoice, optionalInteger, optionalStrings, optionalText, payloadObject } from './payload';
import { AdminError } from './workspace-admin';

/** The resolver keys of this file. */
export type ReviewKeys = keyof ReviewApi;

/** A resolver's budget: Forge's 100 outbound requests less a margin, and its 25 s less a margin. */
const RESOLVER_BUDGET = { calls: 90, millis: 20_000 };
/** Time a call is assumed to take at most within a resolver. */
const RESOLVER_CALL_MILLIS = 2_000;
const MAX_ROWS = 500;
const MAX_FLAGS = 200;
const MAX_CHANGES = 200;
const MAX_MATCHES = 20;

function runView(run: RunState): ReviewRunView {
  const progress = progressOf(run);
  return {
    id: run.id,
    scope: run.scope,
    status: run.status,
    startedAt: run.startedAt,
    ...(run.finishedAt !== undefined ? { finishedAt: run.finishedAt } : {}),
    ...(run.error !== undefined ? { error: run.error } : {}),
    bitbucketPhase: progress.bitbucketPhase,
    appPhase: progress.appPhase,
    targetsRead: progress.targetsRead,
    targets: progress.targets,
    bitbucketRequests: run.counts.bitbucketRequests,
    steps: run.counts.steps,
    ...(run.waiting !== undefined ? { waiting: run.waiting } : {}),
  };
}

async function status(review: ReviewParts): Promise<ReviewStatusView> {
  const [run, snapshots] = await Promise.all([review.store.run(), review.store.snapshots()]);
  return { ...(run !== undefined ? { run: runView(run) } : {}), snapshots };
}

function personView(person: ReviewPerson | undefined, accountId: string): ReviewPersonView {
  return {
    accountId,
    displayName: person?.displayName ?? accountId,
    member: person?.member ?? false,
    admin: person?.admin ?? false,
    ...(person?.identity !== undefined ? { idpUser: person.identity.userName, idpStatus: person.identity.status } : {}),
  };
}

function rows(loaded: LoadedReview, entries: readonly AccessEntry[]): { rows: AccessRowView[]; more: number } {
  const people = new Map(loaded.review.people.map((p) => [p.accountId, p]));
  return {
    rows: entries.slice(0, MAX_ROWS).map((e) => ({
      person: personView(people.get(e.accountId), e.accountId),
      target: e.target,
      level: e.level,
      paths: e.paths,
    })),
    more: Math.max(0, entries.length - MAX_ROWS),
  };
}

/** The stored review a payload names, or the newest. */
async function loaded(review: ReviewParts, snapshotId: string | undefined): Promise<LoadedReview> {
  const snapshots = await review.store.snapshots();
  const meta = snapshotId === undefined ? snapshots[0] : snapshots.find((s) => s.id === snapshotId);
  if (meta === undefined)
    throw new AdminError(
      'invalid-input',
      snapshotId === undefined ? 'No review has finished yet' : `No stored review has the id ${snapshotId}`,
    );
  return loadReview(meta, (m) => review.store.snapshotRecords(m));
}

function targetOf(record: Record<string, unknown>): TargetRef {
  const type = optionalChoice(record, 'type', ['repository', 'project'] as const);
  const id = optionalText(record, 'id', 200);
  if (type === undefined || id === undefined || id === '')
    throw new AdminError('invalid-input', 'type (repository or project) and id are required');
  return { type, id };
}

async function startReview(parts: AdminParts, review: ReviewParts, payload: unknown): Promise<ReviewStatusView> {
  const projects = optionalStrings(payloadObject(payload), 'projects', 200, 100);
  const scope: ReviewScope =
    projects !== undefined && projects.length > 0 ? { kind: 'projects', keys: projects } : { kind: 'workspace' };
  const before = await review.store.run();
  const run = await review.runner.start(scope);
  if (run.id !== before?.id) {
    await parts.sync.auditLog.append({
      source: 'admin',
      action: 'review-started',
      target: { kind: 'Settings', id: 'access-review' },
      after: { id: run.id, scope },
      outcome: 'applied',
    });
  }
  return status(review);
}

async function cleanup(
  parts: AdminParts,
  review: ReviewParts,
  payload: unknown,
): Promise<ReturnType<ReviewApi['review/cleanup']>> {
  const record = payloadObject(payload);
  if (typeof record.dryRun !== 'boolean') throw new AdminError('invalid-input', 'dryRun (true or false) is required');
  const dryRun = record.dryRun;
  const accountIds = optionalStrings(record, 'accountIds', 1000, 200);
  const after = optionalText(record, 'after', 200);
  const source = await loaded(review, optionalText(record, 'snapshotId', 100));
  const reader = dryRun ? undefined : await review.reader();
  if (!dryRun && reader === undefined)
    throw new AdminError('invalid-input', 'No Bitbucket credentials are configured: save them under Setup first');
  return withinBudget(
    RESOLVER_BUDGET,
    () => Date.now(),
    () =>
      cleanUpLeavers(
        source.review,
        { dryRun, ...(accountIds !== undefined ? { accountIds } : {}), ...(after !== undefined ? { after } : {}) },
        {
          deleteUserGrant: async (target, accountId) => {
            if (reader === undefined) throw new Error('No Bitbucket credentials are configured');
            await reader.deleteUserGrant(target, accountId);
          },
          currentUsers: (ids) => review.knowledge.users(ids),
          admit: async (requested) => {
            const [settings, users] = await Promise.all([parts.sync.settings.get(), parts.app.store.count('User')]);
            return parts.sync.breaker.admit(settings, users, requested);
          },
          audit: async (entries) => {
            await parts.sync.auditLog.appendMany(entries);
          },
          budgetAllows: (calls) => budgetAllows(calls),
        },
      ),
  );
}

/** The resolvers of this file, each wrapped in `guarded`. */
export function makeReviewHandlers(guarded: Guarded<AdminParts>): Pick<Handlers<ReviewApi>, ReviewKeys> {
  const withReview = <P, R>(body: (payload: P, review: ReviewParts, parts: AdminParts) => Promise<R>) =>
    guarded<P, R>((payload, parts) => body(payload, reviewParts(parts.app, parts.sync), parts));
  return {
    'review/status': withReview(async (_payload, review) => status(review)),
    'review/start': withReview(async (payload, review, parts) => startReview(parts, review, payload)),
    'review/cancel': withReview(async (_payload, review, parts) => {
      const cancelled = await review.runner.cancel();
      if (cancelled?.status === 'cancelled')
        await parts.sync.auditLog.append({
          source: 'admin',
          action: 'review-cancelled',
          target: { kind: 'Settings', id: 'access-review' },
          after: { id: cancelled.id },
          outcome: 'applied',
        });
      return status(review);
    }),
    'review/step': withReview(async (_payload, review) => {
      await withinBudget(
        RESOLVER_BUDGET,
        () => Date.now(),
        () => review.runner.step({ callMillis: RESOLVER_CALL_MILLIS }),
      );
      return status(review);
    }),
    'review/target': withReview(async (payload, review) => {
      const record = payloadObject(payload);
      const source = await loaded(review, optionalText(record, 'snapshotId', 100));
      const target = targetOf(record);
      return { snapshotId: source.meta.id, target, ...rows(source, accessTo(source.review, target)) };
    }),
    'review/person': withReview(async (payload, review) => {
      const record = payloadObject(payload);
      const source = await loaded(review, optionalText(record, 'snapshotId', 100));
      const accountId = optionalText(record, 'accountId', 200);
      if (accountId === undefined || accountId === '') throw new AdminError('invalid-input', 'accountId is required');
      const person = source.review.people.find((p) => p.accountId === accountId);
      return {
        snapshotId: source.meta.id,
        ...(person !== undefined ? { person: personView(person, accountId) } : {}),
        ...rows(source, accessOf(source.review, accountId)),
      };
    }),
    'review/search': withReview(async (payload, review) => {
      const record = payloadObject(payload);
      const source = await loaded(review, optionalText(record, 'snapshotId', 100));
      const text = (optionalText(record, 'text', 200) ?? '').trim().toLowerCase();
      const counts = new Map<string, { target: TargetRef; people: number }>();
      for (const entry of source.review.entries) {
        if (text !== '' && !entry.target.id.toLowerCase().includes(text)) continue;
        const key = `${entry.target.type}:${entry.target.id}`;
        const slot = counts.get(key) ?? { target: entry.target, people: 0 };
        slot.people += 1;
        counts.set(key, slot);
      }
      const people = source.review.people.filter(
        (p) =>
          text === '' ||
          [p.displayName, p.accountId, p.identity?.userName ?? ''].some((v) => v.toLowerCase().includes(text)),
      );
      return {
        snapshotId: source.meta.id,
        targets: [...counts.values()].slice(0, MAX_MATCHES),
        people: people.slice(0, MAX_MATCHES).map((p) => personView(p, p.accountId)),
      };
    }),
    'review/flags': withReview(async (payload, review) => {
      const source = await loaded(review, optionalText(payloadObject(payload), 'snapshotId', 100));
      const { flags } = source.review;
      return {
        snapshotId: source.meta.id,
        leavers: flags.leavers.slice(0, MAX_FLAGS),
        orphans: flags.orphans.slice(0, MAX_FLAGS),
        handMade: flags.handMade.slice(0, MAX_FLAGS),
        drift: flags.drift.slice(0, MAX_FLAGS),
        totals: {
          leavers: flags.leavers.length,
          orphans: flags.orphans.length,
          handMade: flags.handMade.length,
          drift: flags.drift.length,
        },
        ...(source.meta.crossCheck !== undefined ? { crossCheck: source.meta.crossCheck } : {}),
        ...(source.meta.crossCheckSkipped !== undefined ? { crossCheckSkipped: source.meta.crossCheckSkipped } : {}),
      };
    }),
    'review/diff': withReview(async (payload, review) => {
      const record = payloadObject(payload);
      const from = optionalText(record, 'from', 100);
      const to = optionalText(record, 'to', 100);
      if (from === undefined || to === undefined)
        throw new AdminError('invalid-input', 'from and to (review ids) are required');
      const offset = optionalInteger(record, 'offset', 0, 10_000_000) ?? 0;
      const before = await loaded(review, from);
      const after = await loaded(review, to);
      const changes = diffReviews(before.review, after.review);
      return { from, to, changes: changes.slice(offset, offset + MAX_CHANGES), total: changes.length, offset };
    }),
    'review/export': withReview(async (payload, review, parts) => {
      const record = payloadObject(payload);
      const format = optionalChoice(record, 'format', ['csv', 'json'] as const) ?? 'csv';
      const source = await loaded(review, optionalText(record, 'snapshotId', 100));
      const signer = await parts.app.cursorSigner();
      const query = JSON.stringify({ id: source.meta.id, format });
      const from = Number(openAdminCursor(signer, 'review/export', query, optionalText(record, 'cursor', 4096)) ?? '0');
      const { nextRow, ...page } = exportPage(source, format, from);
      const fileName = `access-review-${source.meta.finishedAt.slice(0, 10)}-${source.meta.id.slice(0, 8)}.${format}`;
      return {
        ...page,
        fileName,
        ...(nextRow !== undefined ? { cursor: sealAdminCursor(signer, 'review/export', query, String(nextRow)) } : {}),
      };
    }),
    'review/cleanup': withReview(async (payload, review, parts) => cleanup(parts, review, payload)),
  };
}
