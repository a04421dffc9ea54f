import type { ReviewInputs, TargetRef } from '../../src/review/access-model';
import { cleanUpLeavers, type CleanupDeps } from '../../src/review/leaver-cleanup';
import { reviewAccess } from '../../src/review/review-core';
import { diffReviews } from '../../src/review/review-diff';
import { EXPORT_COLUMNS, exportPage, exportRows } from '../../src/review/review-export';
import type { LoadedReview } from '../../src/review/review-snapshot';
import type { AuditEntryInput } from '../../src/sync/audit-log';

function inputs(overrides: Partial<ReviewInputs> = {}): ReviewInputs {
  return {
    projects: [{ key: 'A' }],
    repositories: [
      { slug: 'a1', projectKey: 'A', isPrivate: true },
      { slug: 'a2', projectKey: 'A', isPrivate: true },
    ],
    admins: [],
    members: [{ accountId: 'ann', displayName: '=Ann, "the" admin' }],
    groups: [{ slug: 'scim-devs', name: 'scim-devs', madeByApp: true, members: ['ann', 'bob'] }],
    groupGrants: [{ target: { type: 'repository', id: 'a1' }, groupSlug: 'scim-devs', level: 'write' }],
    userGrants: [],
    identities: [],
    ruleGrants: [
      { target: { type: 'repository', id: 'a1' }, groupSlug: 'scim-devs', level: 'write', ruleIds: ['devs-a1'] },
    ],
    applied: { 'repository:a1': { 'scim-devs': 'write' } },
    ...overrides,
  };
}

function loaded(review: ReturnType<typeof reviewAccess>): LoadedReview {
  return {
    meta: {
      id: 'r1',
      scope: { kind: 'workspace' },
      startedAt: '2026-12-01T00:00:00.000Z',
      finishedAt: '2026-12-01T01:00:00.000Z',
      inputs: { chunks: 1, tailBytes: 1 },
      summary: { repositories: 2, projects: 1, people: 2, entries: 2, leavers: 0, orphans: 0, handMade: 0, drift: 0 },
      requests: { bitbucket: 0, lowerBound: 0, admin: 0, steps: 0 },
    },
    inputs: inputs(),
    review,
  };
}

describe('diff between reviews', () => {
  it('lists exactly the access a rule change gained, lost and changed', () => {
    const before = reviewAccess(inputs());
    // The rule now grants admin on a1 (applied by the sync) and read on a2 to the same group.
    const after = reviewAccess(
      inputs({
        groupGrants: [
          { target: { type: 'repository', id: 'a1' }, groupSlug: 'scim-devs', level: 'admin' },
          { target: { type: 'repository', id: 'a2' }, groupSlug: 'scim-devs', level: 'read' },
        ],
        ruleGrants: [
          { target: { type: 'repository', id: 'a1' }, groupSlug: 'scim-devs', level: 'admin', ruleIds: ['devs-a1'] },
          { target: { type: 'repository', id: 'a2' }, groupSlug: 'scim-devs', level: 'read', ruleIds: ['devs-a2'] },
        ],
        applied: { 'repository:a1': { 'scim-devs': 'admin' }, 'repository:a2': { 'scim-devs': 'read' } },
        members: [{ accountId: 'ann', displayName: 'Ann' }],
      }),
    );
    expect(
      diffReviews(before, after).map(
        (c) => `${c.change} ${c.target.id} ${c.accountId} ${c.before?.level ?? '-'}->${c.after?.level ?? '-'}`,
      ),
    ).toEqual([
      'changed a1 ann write->admin',
      'changed a1 bob write->admin',
      'added a2 ann -->read',
      'added a2 bob -->read',
    ]);
    expect(diffReviews(before, before)).toEqual([]);
  });
});

describe('export', () => {
  const review = reviewAccess(
    inputs({
      userGrants: Array.from({ length: 300 }, (_, i) => ({
        target: { type: 'repository', id: 'a2' } as TargetRef,
        accountId: `user-${String(i).padStart(3, '0')}`,
        level: 'read' as const,
      })),
    }),
  );

  it('writes one CSV row per path, quoting and guarding cells, in pages no larger than asked', () => {
    const all = exportPage(loaded(review), 'csv');
    expect(all.nextRow).toBeUndefined();
    const lines = all.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(EXPORT_COLUMNS.join(','));
    expect(lines).toHaveLength(1 + exportRows(loaded(review)));
    // A cell a spreadsheet would read as a formula is guarded with a quote; commas and quotes are quoted (RFC 4180).
    expect(all.body).toContain('"\'=Ann, ""the"" admin"');
    expect(lines.find((l) => l.startsWith('repository,a1,ann,'))).toContain(',rule,devs-a1');

    const pages: string[] = [];
    let from: number | undefined = 0;
    while (from !== undefined) {
      const page = exportPage(loaded(review), 'csv', from, 4_000);
      expect(Buffer.byteLength(page.body)).toBeLessThanOrEqual(4_000);
      pages.push(page.body);
      from = page.nextRow;
    }
    expect(pages.length).toBeGreaterThan(3);
    expect(pages.join('')).toBe(all.body);
  });

  it('writes JSON pages whose rows add up to the whole review', () => {
    let from: number | undefined = 0;
    const rows: unknown[] = [];
    while (from !== undefined) {
      const page = exportPage(loaded(review), 'json', from, 8_000);
      const doc = JSON.parse(page.body) as { format: string; fromRow: number; rows: unknown[] };
      expect(doc.format).toBe('bitbucket-scim-sync/access-review@1');
      expect(doc.fromRow).toBe(from);
      rows.push(...doc.rows);
      from = page.nextRow;
    }
    expect(rows).toHaveLength(exportRows(loaded(review)));
  });
});

describe('leaver clean-up', () => {
  const leaverInputs = inputs({
    identities: [
      { accountId: 'lea', userId: 's-lea', userName: 'lea@example.com', status: 'deactivated' },
      { accountId: 'leo', userId: 's-leo', userName: 'leo@example.com', status: 'deleted' },
      { accountId: 'lou', userId: 's-lou', userName: 'lou@example.com', status: 'deactivated' },
      { accountId: 'bob', userId: 's-bob', userName: 'bob@example.com', status: 'deactivated' },
    ],
    userGrants: [
      { target: { type: 'repository', id: 'a2' }, accountId: 'lea', level: 'write' },
      { target: { type: 'project', id: 'A' }, accountId: 'lea', level: 'read' },
      { target: { type: 'repository', id: 'a1' }, accountId: 'leo', level: 'admin' },
      { target: { type: 'repository', id: 'a1' }, accountId: 'lou', level: 'read' },
    ],
  });
  const review = reviewAccess(leaverInputs);

  function deps(options: { allowed?: number; active?: string[]; calls?: number } = {}) {
    const deleted: string[] = [];
    const audit: AuditEntryInput[] = [];
    let calls = options.calls ?? 100;
    const d: CleanupDeps = {
      async deleteUserGrant(target, accountId) {
        // The request and its audit entry's share.
        calls -= 2;
        deleted.push(`${target.type}:${target.id}:${accountId}`);
      },
      async currentUsers(ids) {
        return new Map(ids.map((id) => [id, { active: (options.active ?? []).includes(id) }]));
      },
      async admit(requested) {
        const allowed = Math.min(requested, options.allowed ?? requested);
        return allowed < requested
          ? { allowed, reason: 'Deactivations are paused until an admin confirms' }
          : { allowed };
      },
      async audit(entries) {
        audit.push(...entries);
      },
      budgetAllows: (n) => calls >= n,
    };
    return { d, deleted, audit };
  }

  it('lists in a dry run what it would remove, removes nothing, and audits the plan', async () => {
    const { d, deleted, audit } = deps();
    const result = await cleanUpLeavers(review, { dryRun: true }, d);
    expect(deleted).toEqual([]);
    expect(result.leavers.map((l) => [l.accountId, l.removed.length, l.skipped ?? ''])).toEqual([
      ['bob', 0, 'No direct grant: what remains comes through groups or workspace administration'],
      ['lea', 2, ''],
      ['leo', 1, ''],
      ['lou', 1, ''],
    ]);
    expect(audit.map((e) => e.outcome)).toEqual(['planned', 'planned', 'planned', 'planned']);
  });

  it('removes the direct grants of one leaver, or of all, but not of someone reactivated since', async () => {
    const one = deps();
    await cleanUpLeavers(review, { dryRun: false, accountIds: ['leo'] }, one.d);
    expect(one.deleted).toEqual(['repository:a1:leo']);
    expect(one.audit).toEqual([
      expect.objectContaining({ source: 'admin', action: 'remove-leaver-grant', outcome: 'applied', userKey: 's-leo' }),
    ]);

    const all = deps({ active: ['s-lou'] });
    const result = await cleanUpLeavers(review, { dryRun: false }, all.d);
    expect(all.deleted.sort()).toEqual(['project:A:lea', 'repository:a1:leo', 'repository:a2:lea']);
    expect(result.leavers.find((l) => l.accountId === 'lou')?.skipped).toBe('Active in the IdP again since the review');
  });

  it('removes nothing beyond what the circuit breaker allows', async () => {
    const { d, deleted, audit } = deps({ allowed: 1 });
    const result = await cleanUpLeavers(review, { dryRun: false }, d);
    expect(deleted).toEqual(['repository:a2:lea', 'project:A:lea']);
    expect(result.paused).toBe('Deactivations are paused until an admin confirms');
    expect(audit.filter((e) => e.outcome === 'skipped')).toHaveLength(2);
  });

  it('stops when the invocation runs low and says where to go on', async () => {
    const first = deps({ calls: 6 + 4 });
    const result = await cleanUpLeavers(review, { dryRun: false }, first.d);
    expect(first.deleted).toEqual(['repository:a2:lea', 'project:A:lea']);
    expect(result.next).toBe('lea');
    const second = deps();
    await cleanUpLeavers(review, { dryRun: false, after: result.next }, second.d);
    expect(second.deleted).toEqual(['repository:a1:leo', 'repository:a1:lou']);
  });
});
