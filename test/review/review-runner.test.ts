import { reviewRig, type ReviewRig } from '../../rigs/review-rig';
import { loadReview } from '../../src/review/review-snapshot';
import { STEP_REQUESTS } from '../../src/review/read-gate';

const SMALL = { repositories: 40, projects: 4, people: 80, appGroups: 8, foreignGroups: 3, orphans: 2, userGrants: 60 };

describe('review runner', () => {
  let rig: ReviewRig;
  afterEach(async () => rig.stop());

  it('reads a workspace in bounded steps, and its computed access agrees with Bitbucket’s own effective listing', async () => {
    rig = reviewRig(SMALL);
    await rig.runner.start({ kind: 'workspace' });
    const report = await rig.runToEnd();
    expect(report.outcome).toBe('finished');
    const meta = report.snapshot;
    if (meta === undefined) throw new Error('no snapshot');
    // Every step stayed within Forge's 100 outbound requests and the step's share of Bitbucket reads.
    expect(Math.max(...rig.stepCalls)).toBeLessThanOrEqual(100);
    expect(meta.crossCheck).toMatchObject({ mismatched: 0 });
    expect(meta.crossCheck?.compared).toBeGreaterThan(40 * 3);
    // 44 targets with at most 100 grants each: two listings per target, plus the effective listing's pages.
    const effectivePages = meta.requests.lowerBound - 2 * 44;
    expect(effectivePages).toBeGreaterThanOrEqual(1);
    // Beyond the lower bound only the inventory, the admins and the members: one page each here.
    expect(meta.requests.bitbucket).toBe(meta.requests.lowerBound + 4);
    expect(rig.emulators.bitbucket.violations).toEqual([]);
    expect(rig.emulators.admin.violations).toEqual([]);

    const loaded = await loadReview(meta, (m) => rig.store.snapshotRecords(m));
    // The effective listing served the cross-check only; the stored review keeps its result, not the listing.
    expect(loaded.review.flags.crossCheck).toBeUndefined();
    expect(loaded.review.flags.orphans.map((o) => o.displayName).sort()).toEqual([
      'Emulated Admin',
      'Orphan 1',
      'Orphan 2',
    ]);
    // Group grants the rules made are named by their rule.
    const ruled = loaded.review.entries.flatMap((e) => e.paths).filter((p) => p.origin.kind === 'rule');
    expect(ruled.length).toBeGreaterThan(0);
    expect((await rig.store.snapshots()).map((s) => s.id)).toEqual([meta.id]);
  });

  it('flags exactly the leavers who still hold access', async () => {
    rig = reviewRig(SMALL);
    const leavers = new Set(rig.plan.leavers);
    for (const user of rig.known.users.values()) if (leavers.has(user.userName)) user.active = false;
    await rig.runner.start({ kind: 'workspace' });
    const meta = (await rig.runToEnd()).snapshot;
    if (meta === undefined) throw new Error('no snapshot');
    const { review } = await loadReview(meta, (m) => rig.store.snapshotRecords(m));
    // Leavers still in their app groups (the sync has not removed them in this rig) or holding direct grants.
    const expected = rig.plan.leavers.filter(
      (email) =>
        rig.plan.appGroups.some((g) => g.members.includes(email)) || rig.plan.userGrants.some((g) => g.email === email),
    );
    expect(review.flags.leavers.map((l) => l.identity.userName).sort()).toEqual([...expected].sort());
    expect(review.flags.leavers.every((l) => l.identity.status === 'deactivated')).toBe(true);
  });

  it('reads no Bitbucket page while a permission run is due, reads what the app knows meanwhile, and resumes once it ran', async () => {
    rig = reviewRig(SMALL);
    rig.known.permission = { dueSince: new Date(rig.clock.now()).toISOString() };
    await rig.runner.start({ kind: 'workspace' });
    const waiting = await rig.step();
    expect(waiting.bitbucketRequests).toBe(0);
    expect(rig.emulators.bitbucket.writeLog).toEqual([]);
    expect(waiting.run?.waiting).toEqual({ reason: 'permission-sync' });
    expect(waiting.run?.app.phase).toBe('groups');

    rig.known.permission = {};
    const resumed = await rig.step();
    expect(resumed.bitbucketRequests).toBe(STEP_REQUESTS);
    expect(resumed.run?.waiting).toBeUndefined();
  });

  it('resumes after a step dies between its reads and its save, reading nothing twice into the review', async () => {
    rig = reviewRig(SMALL);
    await rig.runner.start({ kind: 'workspace' });
    await rig.step();
    await rig.clock.advance(5 * 60_000);
    // The next step reads its pages, then its invocation ends before it saves them (the save fails once).
    const run = await rig.store.run();
    const save = rig.store.append.bind(rig.store);
    rig.store.append = async () => {
      rig.store.append = save;
      throw new Error('the invocation was stopped');
    };
    await expect(rig.step()).rejects.toThrow('the invocation was stopped');
    const after = await rig.store.run();
    expect(after?.logs).toEqual(run?.logs);
    expect(after?.bitbucket).toEqual(run?.bitbucket);
    const meta = (await rig.runToEnd()).snapshot;
    if (meta === undefined) throw new Error('no snapshot');
    expect(meta.crossCheck?.mismatched).toBe(0);
    const { inputs } = await loadReview(meta, (m) => rig.store.snapshotRecords(m));
    const keys = inputs.userGrants.map((g) => `${g.target.type}:${g.target.id}:${g.accountId}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(rig.emulators.bitbucket.state.userPermissions.size);
  });
});
