/**
 * Permission sync against an in-memory Bitbucket workspace: the rules' grants are applied with the fewest
 * writes, only grants the app made are ever changed or removed, and failures and rate limits are reported.
 */
import { spendCall, withinBudget } from '../../src/sync/call-budget';
import { PermissionSyncer, type AppliedGrants } from '../../src/sync/permission-sync';
import type { PermissionRule } from '../../src/sync/settings';
import {
  TargetError,
  type BitbucketPermissions,
  type ProjectPermission,
  type RepositoryPermission,
} from '../../src/targets/ports';

class FakeWorkspace implements BitbucketPermissions {
  readonly projects = new Map<string, Map<string, ProjectPermission>>();
  readonly repositories = new Map<string, { projectKey: string; grants: Map<string, RepositoryPermission> }>();
  readonly writes: string[] = [];
  readonly reads: string[] = [];
  failOn: ((write: string) => TargetError | undefined) | undefined;

  constructor(projects: string[], repositories: [string, string][]) {
    for (const key of projects) this.projects.set(key, new Map());
    for (const [slug, projectKey] of repositories) this.repositories.set(slug, { projectKey, grants: new Map() });
  }

  private write(description: string): void {
    const failure = this.failOn?.(description);
    if (failure) throw failure;
    this.writes.push(description);
  }

  async listProjects(): Promise<{ key: string; name: string }[]> {
    return [...this.projects.keys()].map((key) => ({ key, name: key }));
  }
  async listRepositories(): Promise<{ slug: string; projectKey: string | undefined }[]> {
    return [...this.repositories].map(([slug, r]) => ({ slug, projectKey: r.projectKey }));
  }
  async listRepositoryGroupPermissions(
    slug: string,
  ): Promise<{ groupSlug: string; permission: RepositoryPermission }[]> {
    this.reads.push(`repository:${slug}`);
    return [...(this.repositories.get(slug)?.grants ?? [])].map(([groupSlug, permission]) => ({
      groupSlug,
      permission,
    }));
  }
  async putRepositoryGroupPermission(slug: string, groupSlug: string, permission: RepositoryPermission): Promise<void> {
    this.write(`put repository:${slug} ${groupSlug} ${permission}`);
    this.repositories.get(slug)?.grants.set(groupSlug, permission);
  }
  async deleteRepositoryGroupPermission(slug: string, groupSlug: string): Promise<void> {
    this.write(`delete repository:${slug} ${groupSlug}`);
    this.repositories.get(slug)?.grants.delete(groupSlug);
  }
  async listProjectGroupPermissions(key: string): Promise<{ groupSlug: string; permission: ProjectPermission }[]> {
    this.reads.push(`project:${key}`);
    return [...(this.projects.get(key) ?? [])].map(([groupSlug, permission]) => ({ groupSlug, permission }));
  }
  async putProjectGroupPermission(key: string, groupSlug: string, permission: ProjectPermission): Promise<void> {
    this.write(`put project:${key} ${groupSlug} ${permission}`);
    this.projects.get(key)?.set(groupSlug, permission);
  }
  async deleteProjectGroupPermission(key: string, groupSlug: string): Promise<void> {
    this.write(`delete project:${key} ${groupSlug}`);
    this.projects.get(key)?.delete(groupSlug);
  }
  async findMembersByEmail(): Promise<{ accountId: string; email: string }[]> {
    return [];
  }
}

const DEVS = { displayName: 'Developers', groupSlug: 'scim-developers' };
const OPS = { displayName: 'Ops', groupSlug: 'scim-ops' };

function rule(
  id: string,
  group: string,
  level: PermissionRule['level'],
  targets: { projects?: string[]; repositories?: string[] },
): PermissionRule {
  return { id, group, level, projects: targets.projects ?? [], repositories: targets.repositories ?? [] };
}

function workspace(): FakeWorkspace {
  return new FakeWorkspace(
    ['WEB', 'OPS'],
    [
      ['web-app', 'WEB'],
      ['web-api', 'WEB'],
      ['infra', 'OPS'],
    ],
  );
}

describe('PermissionSyncer', () => {
  it('applies the highest grant per group and target with one write each, then nothing on a replay', async () => {
    const ws = workspace();
    const rules = [
      rule('r1', 'developers', 'read', { repositories: ['web-*'] }),
      rule('r2', 'Developers', 'write', { repositories: ['web-api'] }),
      rule('r3', 'ops', 'admin', { projects: ['ops'] }),
    ];
    const first = await new PermissionSyncer(ws, rules).run([DEVS, OPS], {}, false);
    expect(ws.writes.sort()).toEqual([
      'put project:OPS scim-ops admin',
      'put repository:web-api scim-developers write',
      'put repository:web-app scim-developers read',
    ]);
    expect(first.grants).toEqual({
      'project:OPS': { 'scim-ops': 'admin' },
      'repository:web-api': { 'scim-developers': 'write' },
      'repository:web-app': { 'scim-developers': 'read' },
    });
    expect(first.audit.map((a) => a.outcome)).toEqual(['applied', 'applied', 'applied']);
    ws.writes.length = 0;
    const replay = await new PermissionSyncer(ws, rules).run([DEVS, OPS], first.grants, false);
    expect(ws.writes).toEqual([]);
    expect(replay.grants).toEqual(first.grants);
    expect(ws.reads.filter((r) => r === 'repository:infra')).toEqual([]);
  });

  it('revokes and lowers only its own grants when rules change', async () => {
    const ws = workspace();
    const wide = [rule('r1', 'Developers', 'write', { repositories: ['web-*'] })];
    const first = await new PermissionSyncer(ws, wide).run([DEVS], {}, false);
    ws.writes.length = 0;
    const narrow = [rule('r1', 'Developers', 'read', { repositories: ['web-app'] })];
    const second = await new PermissionSyncer(ws, narrow).run([DEVS], first.grants, false);
    expect(ws.writes.sort()).toEqual([
      'delete repository:web-api scim-developers',
      'put repository:web-app scim-developers read',
    ]);
    expect(second.grants).toEqual({ 'repository:web-app': { 'scim-developers': 'read' } });
  });

  it('never touches a grant it did not make: a manual grant on an app group stays, whatever the rules say', async () => {
    const ws = workspace();
    ws.repositories.get('web-app')?.grants.set('scim-developers', 'admin');
    ws.repositories.get('infra')?.grants.set('scim-developers', 'read');
    ws.repositories.get('web-api')?.grants.set('human-made', 'write');
    const rules = [rule('r1', 'Developers', 'read', { repositories: ['web-*'] })];
    const syncer = new PermissionSyncer(ws, rules);
    const plan = await syncer.plan([DEVS], {});
    expect(plan.grants.find((g) => g.target.id === 'web-app')).toMatchObject({
      desired: 'read',
      current: 'admin',
      action: 'foreign',
    });
    const result = await syncer.run([DEVS], {}, false);
    expect(ws.writes).toEqual(['put repository:web-api scim-developers read']);
    expect(ws.repositories.get('web-app')?.grants.get('scim-developers')).toBe('admin');
    expect(ws.repositories.get('infra')?.grants.get('scim-developers')).toBe('read');
    expect(ws.repositories.get('web-api')?.grants.get('human-made')).toBe('write');
    expect(result.grants).toEqual({ 'repository:web-api': { 'scim-developers': 'read' } });
  });

  it('adopts a grant that already equals the rule (a write whose reply was lost) and forgets grants removed by hand', async () => {
    const ws = workspace();
    ws.projects.get('WEB')?.set('scim-developers', 'write');
    const rules = [rule('r1', 'Developers', 'write', { projects: ['WEB'] })];
    const adopted = await new PermissionSyncer(ws, rules).run([DEVS], {}, false);
    expect(ws.writes).toEqual([]);
    expect(adopted.grants).toEqual({ 'project:WEB': { 'scim-developers': 'write' } });
    ws.projects.get('WEB')?.delete('scim-developers');
    const none = await new PermissionSyncer(ws, []).run([DEVS], adopted.grants, false);
    expect(ws.writes).toEqual([]);
    expect(none.grants).toEqual({});
  });

  it('revokes the grants of a group the IdP deleted, and drops grants on a deleted repository without a call', async () => {
    const ws = workspace();
    const rules = [rule('r1', 'Ops', 'write', { repositories: ['infra', 'web-app'] })];
    const first = await new PermissionSyncer(ws, rules).run([OPS], {}, false);
    ws.writes.length = 0;
    ws.reads.length = 0;
    ws.repositories.delete('web-app');
    const after = await new PermissionSyncer(ws, rules).run([], first.grants, false);
    expect(ws.writes).toEqual(['delete repository:infra scim-ops']);
    expect(after.grants).toEqual({});
    expect(ws.reads).not.toContain('repository:web-app');
  });

  it('plans without writing in dry-run and keeps its record unchanged', async () => {
    const ws = workspace();
    const result = await new PermissionSyncer(ws, [rule('r1', 'Ops', 'read', { projects: ['OPS', 'WEB'] })]).run(
      [OPS],
      {},
      true,
    );
    expect(ws.writes).toEqual([]);
    expect(result.audit.map((a) => [a.action, a.outcome])).toEqual([
      ['put-grant', 'planned'],
      ['put-grant', 'planned'],
    ]);
    expect(result.grants).toEqual({});
  });

  it('counts failed writes, keeps going, and stops at a rate limit with what it applied so far', async () => {
    const ws = workspace();
    ws.failOn = (write) => (write.includes('web-api') ? new TargetError('forbidden', 'no admin') : undefined);
    const rules = [rule('r1', 'Developers', 'read', { repositories: ['*'] })];
    const failed = await new PermissionSyncer(ws, rules).run([DEVS], {}, false);
    expect(failed.failed).toBe(1);
    expect(failed.audit.find((a) => a.outcome === 'failed')).toMatchObject({
      resourceKey: 'Permissions.repository:web-api',
      detail: 'no admin',
    });
    expect(Object.keys(failed.grants).sort()).toEqual(['repository:infra', 'repository:web-app']);
    ws.failOn = () => new TargetError('rate-limited', 'slow down', { retryAfterMs: 5000 });
    const limited = await new PermissionSyncer(ws, rules).run([DEVS], failed.grants as AppliedGrants, false);
    expect(limited.interruptedBy?.kind).toBe('rate-limited');
    expect(limited.grants).toEqual(failed.grants);
  });
});

describe('PermissionSyncer: a run its budget cuts short', () => {
  /** Each write spends four of the job's requests, as the real client would count a write and its retries. */
  class MeteredWorkspace extends FakeWorkspace {
    listings = 0;
    override async listProjects(): Promise<{ key: string; name: string }[]> {
      this.listings += 1;
      return super.listProjects();
    }
    override async putRepositoryGroupPermission(
      slug: string,
      group: string,
      level: RepositoryPermission,
    ): Promise<void> {
      for (let i = 0; i < 4; i += 1) spendCall();
      return super.putRepositoryGroupPermission(slug, group, level);
    }
  }
  const rules = [rule('r1', 'developers', 'read', { repositories: ['web-*', 'infra'] })];
  const job = <T>(calls: number, body: () => Promise<T>): Promise<T> =>
    withinBudget({ calls, millis: 60_000 }, () => 0, body);

  it('hands the rest to the next job, which applies it without reading Bitbucket again', async () => {
    const ws = new MeteredWorkspace(
      ['WEB', 'OPS'],
      [
        ['web-app', 'WEB'],
        ['web-api', 'WEB'],
        ['infra', 'OPS'],
      ],
    );
    const first = await job(9, () => new PermissionSyncer(ws, rules).run([DEVS], {}, false));
    const left = first.left ?? 0;
    expect(left).toBeGreaterThanOrEqual(1);
    expect(first.carry?.changes).toHaveLength(left);
    expect(ws.writes).toHaveLength(3 - left);
    const reads = { listings: ws.listings, targets: ws.reads.length };
    const second = await job(99, () => new PermissionSyncer(ws, rules).run([DEVS], first.grants, false, first.carry));
    expect(second.fromCarry).toBe(true);
    expect(second.left).toBeUndefined();
    expect({ listings: ws.listings, targets: ws.reads.length }).toEqual(reads);
    expect(ws.writes).toHaveLength(3);
    expect(second.grants).toEqual({
      'repository:infra': { 'scim-developers': 'read' },
      'repository:web-api': { 'scim-developers': 'read' },
      'repository:web-app': { 'scim-developers': 'read' },
    });
    // The fresh comparison that follows finds nothing to do.
    const third = await job(9, () => new PermissionSyncer(ws, rules).run([DEVS], second.grants, false));
    expect(third.fromCarry).toBe(false);
    expect(ws.writes).toHaveLength(3);
  });

  it('plans again when the rules or a group the carry names changed, not when other groups appeared', async () => {
    const fresh = () =>
      new MeteredWorkspace(
        ['WEB', 'OPS'],
        [
          ['web-app', 'WEB'],
          ['web-api', 'WEB'],
          ['infra', 'OPS'],
        ],
      );
    const cutShort = async (ws: MeteredWorkspace) =>
      job(9, () => new PermissionSyncer(ws, rules).run([DEVS], {}, false));
    // Other rules: planned again.
    let ws = fresh();
    let first = await cutShort(ws);
    let listings = ws.listings;
    const otherRules = [rule('r1', 'developers', 'write', { repositories: ['web-*', 'infra'] })];
    const again = await job(99, () =>
      new PermissionSyncer(ws, otherRules).run([DEVS], first.grants, false, first.carry),
    );
    expect(again.fromCarry).toBe(false);
    expect(ws.listings).toBe(listings + 1);
    // The group the carry names renamed (the rules match displayNames): planned again.
    ws = fresh();
    first = await cutShort(ws);
    listings = ws.listings;
    const renamed = { ...DEVS, displayName: 'Developers (old)' };
    const afterRename = await job(99, () =>
      new PermissionSyncer(ws, rules).run([renamed], first.grants, false, first.carry),
    );
    expect(afterRename.fromCarry).toBe(false);
    expect(ws.listings).toBe(listings + 1);
    // Another group appeared: the carry still holds; the new group's grants are the fresh comparison's.
    ws = fresh();
    first = await cutShort(ws);
    listings = ws.listings;
    const withOps = await job(99, () =>
      new PermissionSyncer(ws, rules).run([DEVS, OPS], first.grants, false, first.carry),
    );
    expect(withOps.fromCarry).toBe(true);
    expect(ws.listings).toBe(listings);
  });
});
