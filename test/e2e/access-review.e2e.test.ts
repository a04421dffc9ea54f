/**
 * The access review end to end (issue 17, "What it must show"): the local host with its emulators, a workspace of 200
 * repositories in 20 projects, 500 IdP people and 40 IdP groups pushed over SCIM and synced by the app with permission
 * rules, then 10 org groups, 3 workspace admins, hand-made group and direct user grants and 2 public repositories
 * made by hand. Every review is started and stepped through the admin page's resolvers over HTTP, and compared with
 * an oracle (test/support/access-oracle.ts, which imports nothing from src/) computed from the seeded state: the
 * review, the leavers after 10 IdP deactivations, the clean-up (nothing flagged after it, nothing else changed in
 * Bitbucket), and the diff between the reviews before and after a rule change.
 *
 * Wall time stands in for hours here: the review's clock (the clients' clock the host is given) moves five minutes
 * per step, as the scheduled step would, so the hourly share of the token that the read gate keeps is exercised;
 * the Bitbucket emulator's own hourly limit runs on the system clock, so it is lifted for this test (the bench,
 * `npm run bench:review`, measures the review against that limit on one virtual clock).
 */
import { ISSUE_17_WORKSPACE, planAccessWorkspace, seedAccessLayout, seedHandMadeAccess } from '../../emulators/access-workspace';
import { slugifyGroupName } from '../../emulators/bitbucket/bitbucket-state';
import { EMULATED_ADMIN, EMULATED_BITBUCKET_RESOURCE_ID } from '../../emulators/seed';
import type { ReviewApi } from '../../src/shared/review-api';
import { oracleDiff, oracleLeavers, oracleRuleGrants, oracleRows, rowLine, type OracleRule, type OracleWorld } from '../support/access-oracle';
import { startInProcessHost, type InProcessHost } from '../support/in-process-host';
import { PATCH_OP, scimOverHttp } from '../support/sync-state';

const TOKEN = 'access-review-e2e-token-7f3a9c21b4e8d605';
const PREFIX = 'scim-';
const plan = planAccessWorkspace(ISSUE_17_WORKSPACE);

type Result<K extends keyof ReviewApi> = ReturnType<ReviewApi[K]>;

describe('access review end to end', () => {
  let started: InProcessHost;
  let offset = 0;

  afterAll(async () => {
    await started?.stop();
  });

  const emulators = () => {
    const found = started.host.emulators;
    if (found === undefined) throw new Error('no emulators');
    return found;
  };

  /** One admin resolver call over the local host's bridge, as the admin page makes it. */
  async function invoke<K extends keyof ReviewApi>(key: K, payload: Parameters<ReviewApi[K]>[0]): Promise<Result<K>>;
  async function invoke(key: string, payload: unknown): Promise<unknown>;
  async function invoke(key: string, payload: unknown): Promise<unknown> {
    const response = await fetch(`${started.host.url}/admin/api/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-admin-key': started.host.adminKey },
      body: JSON.stringify({ key, payload }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { reason: string; message: string } };
    if (body.error !== undefined) throw new Error(`${key}: ${body.error.reason}: ${body.error.message}`);
    return body.result;
  }

  /** Waits until the outbox is empty and the queue idle (a sweep picks up what a plain drain skips). */
  async function converge(): Promise<void> {
    const host = started.host;
    for (let round = 0; round < 60; round += 1) {
      await host.runtime.idle();
      if ((await host.app.store.pendingChanges(1)).entries.length === 0) {
        await host.runtime.idle();
        if ((await host.app.store.pendingChanges(1)).entries.length === 0) return;
      }
      await host.sync.dispatcher.drain({ sweep: true });
    }
    throw new Error('The sync did not converge');
  }

  /** Starts a review and steps it through the resolver, five minutes of the review's clock apart, to its end. */
  async function review(): Promise<{ id: string; steps: number; requests: number }> {
    const startedRun = await invoke('review/start', {});
    const id = startedRun.run?.id;
    expect(startedRun.run?.status).toBe('running');
    for (let steps = 1; steps <= 300; steps += 1) {
      offset += 5 * 60_000;
      const status = await invoke('review/step', undefined);
      if (status.run?.status !== 'running') {
        expect(status.run).toMatchObject({ id, status: 'done' });
        expect(status.snapshots[0]?.id).toBe(id);
        return { id: id ?? '', steps, requests: status.run?.bitbucketRequests ?? 0 };
      }
    }
    throw new Error('The review did not finish in 300 steps');
  }

  /** Every export row of a review, read in pages of at most 1 MB through the resolver. */
  async function exported(snapshotId: string): Promise<string[]> {
    const lines: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await invoke('review/export', { snapshotId, format: 'json', ...(cursor !== undefined ? { cursor } : {}) });
      expect(Buffer.byteLength(page.body, 'utf8')).toBeLessThanOrEqual(1_000_000);
      const parsed = JSON.parse(page.body) as { rows: Record<string, string>[]; totalRows: number };
      lines.push(...parsed.rows.map(rowLine));
      cursor = page.cursor;
      pages += 1;
    } while (cursor !== undefined && pages < 100);
    return lines.sort();
  }

  const accountIdOf = (email: string): string => {
    const user = [...emulators().admin.state.users.values()].find((u) => u.email === email);
    if (user === undefined) throw new Error(`no account for ${email}`);
    return user.accountId;
  };

  /** What the test did to the world, besides the plan. */
  const world = {
    rules: plan.rules.map((r): OracleRule => ({ ...r })),
    deactivated: new Set<string>(),
    removedUserGrants: new Set<string>(),
  };

  /** The oracle's world: the plan and what the test did, with account IDs from the emulated organization. */
  function oracleWorld(): OracleWorld {
    const admin = emulators().admin.state;
    const hasAccess = (accountId: string): boolean => {
      const user = admin.users.get(accountId);
      if (user === undefined || user.accountStatus !== 'active' || user.membershipStatus !== 'active') return false;
      if (user.roles.some((r) => r.resourceId === EMULATED_BITBUCKET_RESOURCE_ID)) return true;
      return [...admin.groups.values()].some((g) => g.members.has(accountId) && g.roles.some((r) => r.resourceId === EMULATED_BITBUCKET_RESOURCE_ID));
    };
    const appGroups = plan.appGroups.map((g) => ({ slug: slugifyGroupName(`${PREFIX}${g.name}`), idpName: g.name, members: g.members.filter((e) => !world.deactivated.has(e)).map(accountIdOf) }));
    const foreignGroups = plan.foreignGroups.map((g) => ({ slug: slugifyGroupName(g.name), members: g.members.map(accountIdOf) }));
    const layout = { projects: plan.projects.map((p) => p.key), repositories: plan.repositories.map((r) => ({ slug: r.slug, project: r.projectKey, isPublic: !r.isPrivate })) };
    // What permission sync applied: the rules' grants (the app made all of them), the record the origins compare with.
    const ruleGrants = oracleRuleGrants({ ...layout, rules: world.rules, groups: appGroups });
    const applied: Record<string, Record<string, string>> = {};
    const grants = new Map<string, { type: 'repository' | 'project'; id: string; slug: string; level: OracleRule['level'] }>();
    for (const [key, grant] of ruleGrants) {
      const [target = '', slug = ''] = key.split('|');
      const [type, id = ''] = [target.slice(0, target.indexOf(':')) as 'repository' | 'project', target.slice(target.indexOf(':') + 1)];
      applied[target] = { ...(applied[target] ?? {}), [slug]: grant.level };
      grants.set(key, { type, id, slug, level: grant.level });
    }
    // Made by hand afterwards: a hand-made grant of an app group replaces the app's on the same target.
    for (const g of plan.handMadeAppGroupGrants) {
      const slug = slugifyGroupName(`${PREFIX}${g.group}`);
      grants.set(`${g.kind}:${g.target}|${slug}`, { type: g.kind, id: g.target, slug, level: g.level });
    }
    for (const g of plan.foreignGroupGrants) {
      const slug = slugifyGroupName(g.group);
      grants.set(`${g.kind}:${g.target}|${slug}`, { type: g.kind, id: g.target, slug, level: g.level });
    }
    const userGrants = plan.userGrants
      .map((g) => ({ type: g.kind, id: g.target, accountId: accountIdOf(g.email), level: g.level }))
      .filter((g) => !world.removedUserGrants.has(`${g.type}:${g.id}|${g.accountId}`));
    const identities = new Map(plan.people.map((p) => [accountIdOf(p.email), { userName: p.email, status: world.deactivated.has(p.email) ? ('deactivated' as const) : ('active' as const) }]));
    return {
      ...layout,
      accounts: [...admin.users.keys()].map((accountId) => ({ accountId, member: hasAccess(accountId) })),
      admins: [EMULATED_ADMIN.accountId, ...plan.admins.map(accountIdOf)],
      groups: [...appGroups, ...foreignGroups],
      groupGrants: [...grants.values()],
      userGrants,
      identities,
      rules: world.rules,
      applied,
    };
  }

  /** Bitbucket's grants as the emulator holds them, as `kind:target|principal` -> level. */
  function bitbucketGrants(): Map<string, string> {
    const state = emulators().bitbucket.state;
    return new Map([
      ...[...state.permissions.values()].map((p): [string, string] => [`${p.kind}:${p.target}|${p.groupSlug}`, p.permission]),
      ...[...state.userPermissions.values()].map((p): [string, string] => [`${p.kind}:${p.target}|user:${p.accountId}`, p.permission]),
    ]);
  }

  /** The grants the oracle's world says Bitbucket holds (checks that the world is what the test believes it is). */
  function modelGrants(w: OracleWorld): Map<string, string> {
    return new Map([
      ...w.groupGrants.map((g): [string, string] => [`${g.type}:${g.id}|${g.slug}`, g.level]),
      ...w.userGrants.map((g): [string, string] => [`${g.type}:${g.id}|user:${g.accountId}`, g.level]),
    ]);
  }

  it('reviews the workspace as the oracle does, flags exactly the leavers with access, cleans them up and diffs a rule change', async () => {
    started = await startInProcessHost({ bearerToken: TOKEN, targetClock: { now: () => Date.now() + offset, sleep: async () => undefined } });
    const em = emulators();
    em.bitbucket.setRateLimit(undefined);
    seedAccessLayout(em.bitbucket.state, plan);
    const settings = await started.host.sync.settings.get();
    await started.host.sync.settings.save({ ...settings, rules: world.rules });

    // The IdP pushes its people and groups; the app creates accounts, org groups, memberships and the rules' grants.
    const scim = scimOverHttp(started.host.scimBaseUrl, TOKEN);
    const ids = new Map<string, string>();
    for (const person of plan.people) {
      const created = await scim('POST', '/Users', { userName: person.email, name: { formatted: person.name }, displayName: person.name, active: true, emails: [{ type: 'work', value: person.email, primary: true }] });
      expect(created.status).toBe(201);
      ids.set(person.email, created.body.id);
    }
    for (const group of plan.appGroups) {
      const created = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: group.name, members: group.members.map((e) => ({ value: ids.get(e) })) });
      expect(created.status).toBe(201);
    }
    await converge();
    // Then what was made by hand: org groups the app did not make, admins, orphans, group and direct user grants.
    seedHandMadeAccess(em, plan, (name) => slugifyGroupName(`${PREFIX}${name}`));
    expect(plan.repositories.filter((r) => !r.isPrivate)).toHaveLength(2);
    expect(plan.foreignGroups).toHaveLength(10);
    expect(oracleWorld().admins).toHaveLength(3);

    // 1. The review equals the oracle, row for row, and Bitbucket's effective listing agrees with it.
    let w = oracleWorld();
    expect(bitbucketGrants()).toEqual(modelGrants(w));
    const first = await review();
    expect(await exported(first.id)).toEqual(oracleRows(w));
    const firstFlags = await invoke('review/flags', { snapshotId: first.id });
    expect(firstFlags.crossCheck).toMatchObject({ mismatched: 0 });
    expect(firstFlags.totals.leavers).toBe(0);
    expect(firstFlags.orphans.map((o) => o.accountId).sort()).toEqual([EMULATED_ADMIN.accountId, ...plan.orphans.map((o) => accountIdOf(o.email))].sort());
    // By repository and by person answer from the same review.
    const repo = plan.repositories[3]?.slug ?? '';
    const byRepo = await invoke('review/target', { snapshotId: first.id, type: 'repository', id: repo });
    expect(byRepo.rows.map((r) => r.person.accountId).sort()).toEqual([...new Set(oracleRows(w).filter((l) => l.startsWith(`repository | ${repo} |`)).map((l) => l.split(' | ')[2]))].sort());
    const somebody = accountIdOf(plan.people[10]?.email ?? '');
    const byPerson = await invoke('review/person', { snapshotId: first.id, accountId: somebody });
    expect(byPerson.person).toMatchObject({ accountId: somebody, idpStatus: 'active' });
    expect(byPerson.rows.length).toBe(new Set(oracleRows(w).filter((l) => l.split(' | ')[2] === somebody).map((l) => l.split(' | ').slice(0, 2).join(':'))).size);

    // 2. Ten people leave in the IdP; the sync takes their app groups (revoke-access). Exactly those with access left are flagged.
    for (const email of plan.leavers) {
      const patched = await scim('PATCH', `/Users/${ids.get(email)}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
      expect(patched.status).toBe(204);
      world.deactivated.add(email);
    }
    expect(world.deactivated.size).toBe(10);
    await converge();
    w = oracleWorld();
    expect(bitbucketGrants()).toEqual(modelGrants(w));
    for (const group of w.groups.filter((g) => g.idpName !== undefined)) {
      const org = [...em.admin.state.groups.values()].find((g) => slugifyGroupName(g.name) === group.slug);
      expect([...(org?.members ?? [])].sort()).toEqual([...group.members].sort());
    }
    const second = await review();
    expect(await exported(second.id)).toEqual(oracleRows(w));
    const leavers = oracleLeavers(w);
    expect(leavers.length).toBeGreaterThan(0);
    expect(leavers.length).toBeLessThan(10);
    const flags = await invoke('review/flags', { snapshotId: second.id });
    expect(flags.leavers.map((l) => l.accountId).sort()).toEqual(leavers);
    expect(flags.crossCheck).toMatchObject({ mismatched: 0 });

    // 3. The clean-up: a dry run changes nothing; the action removes the leavers' direct grants and nothing else.
    const before = bitbucketGrants();
    const dry = await invoke('review/cleanup', { snapshotId: second.id, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(bitbucketGrants()).toEqual(before);
    const planned = dry.leavers.flatMap((l) => l.removed.map((g) => `${g.target.type}:${g.target.id}|user:${l.accountId}`)).sort();
    const leaverSet = new Set(leavers);
    expect(planned).toEqual([...before.keys()].filter((k) => leaverSet.has(k.slice(k.indexOf('|user:') + 6)) && k.includes('|user:')).sort());
    let after: string | undefined;
    for (let round = 0; round < 10; round += 1) {
      const done = await invoke('review/cleanup', { snapshotId: second.id, dryRun: false, ...(after !== undefined ? { after } : {}) });
      expect(done.paused).toBeUndefined();
      expect(done.leavers.flatMap((l) => l.failed)).toEqual([]);
      after = done.next;
      if (after === undefined) break;
    }
    expect(after).toBeUndefined();
    const cleaned = bitbucketGrants();
    expect(new Map([...before].filter(([k]) => !planned.includes(k)))).toEqual(cleaned);
    for (const key of planned) {
      const [target = '', account = ''] = key.split('|user:');
      world.removedUserGrants.add(`${target}|${account}`);
    }
    // Each removal is audited (the dry run's plan too, as planned).
    let auditedRemovals = 0;
    let auditCursor: string | undefined;
    for (let page = 0; page < 100; page += 1) {
      const audited = (await invoke('audit/query', { text: 'remove-leaver-grant', outcome: 'applied', limit: 100, ...(auditCursor !== undefined ? { cursor: auditCursor } : {}) })) as { entries: unknown[]; cursor?: string };
      auditedRemovals += audited.entries.length;
      auditCursor = audited.cursor;
      if (auditCursor === undefined) break;
    }
    expect(auditedRemovals).toBe(planned.length);
    w = oracleWorld();
    expect(cleaned).toEqual(modelGrants(w));
    const third = await review();
    expect(await exported(third.id)).toEqual(oracleRows(w));
    expect((await invoke('review/flags', { snapshotId: third.id })).totals.leavers).toBe(0);
    expect(oracleLeavers(w)).toEqual([]);

    // 4. A rule change (a project rule lowered, a repository rule dropped, a new one): the diff lists exactly the changed access.
    const beforeRules = oracleWorld();
    world.rules = [
      ...world.rules.filter((r) => r.id !== 'rule-30').map((r) => (r.id === 'rule-01' ? { ...r, level: 'read' as const } : r)),
      { id: 'rule-new', group: plan.appGroups[7]?.name ?? '', projects: [], repositories: ['p05-repo-0?'], level: 'write' },
    ];
    const saved = (await invoke('settings/get', undefined)) as Record<string, unknown>;
    await invoke('settings/save', { settings: { ...saved, rules: world.rules } });
    await converge();
    w = oracleWorld();
    expect(bitbucketGrants()).toEqual(modelGrants(w));
    const fourth = await review();
    expect(await exported(fourth.id)).toEqual(oracleRows(w));
    const expectedChanges = oracleDiff(beforeRules, w);
    expect(expectedChanges.size).toBeGreaterThan(0);
    const listed = new Map<string, string>();
    for (let offsetRows = 0; ; ) {
      const page = await invoke('review/diff', { from: third.id, to: fourth.id, offset: offsetRows });
      for (const c of page.changes) listed.set(`${c.target.type}:${c.target.id}|${c.accountId}`, c.change);
      offsetRows += page.changes.length;
      if (offsetRows >= page.total || page.changes.length === 0) break;
    }
    expect(listed).toEqual(expectedChanges);

    // Snapshots: newest first, all four kept (the last 12 are).
    const status = await invoke('review/status', undefined);
    expect(status.snapshots.map((s) => s.id)).toEqual([fourth.id, third.id, second.id, first.id]);
    expect(em.bitbucket.violations).toEqual([]);
    expect(em.admin.violations).toEqual([]);
  }, 900_000);
});
