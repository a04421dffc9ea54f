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
  /** Each read and each write spends one of the job's requests, as the real client counts them. */
  class MeteredWorkspace extends FakeWorkspace {
    override async listRepositoryGroupPermissions(
      slug: string,
    ): Promise<{ groupSlug: string; permission: RepositoryPermission }[]> {
      spendCall();
      return super.listRepositoryGroupPermissions(slug);
    }
    override async putRepositoryGroupPermission(
      slug: string,
      group: string,
      level: RepositoryPermission,
    ): Promise<void> {
      spendCall();
      return super.putRepositoryGroupPermission(slug, group, level);
    }
  }
  const rules = [rule('r1', 'developers', 'read', { repositories: ['web-*', 'infra'] })];
  const fresh = (): MeteredWorkspace =>
    new MeteredWorkspace(
      ['WEB', 'OPS'],
      [
        ['web-app', 'WEB'],
        ['web-api', 'WEB'],
        ['infra', 'OPS'],
      ],
    );
  /** A job of 10 requests compares two of the three repositories (each needs 8 left before it is read). */
  const job = <T>(body: () => Promise<T>, calls = 10): Promise<T> =>
    withinBudget({ calls, millis: 60_000 }, () => 0, body);
  const ALL_READ = {
    'repository:infra': { 'scim-developers': 'read' },
    'repository:web-api': { 'scim-developers': 'read' },
    'repository:web-app': { 'scim-developers': 'read' },
  };

  it('compares and repairs the targets it can, and the next job goes on after the last one without reading it again', async () => {
    const ws = fresh();
    const first = await job(() => new PermissionSyncer(ws, rules).run([DEVS], {}, false));
    expect(first.pass).toMatchObject({ after: 'repository:web-api', compared: 2, planned: 2, failed: 0 });
    expect(first.totals).toBeUndefined();
    expect(first.targets).toBe(3);
    expect(ws.reads).toEqual(['repository:infra', 'repository:web-api']);
    expect(ws.writes.sort()).toEqual([
      'put repository:infra scim-developers read',
      'put repository:web-api scim-developers read',
    ]);
    const second = await job(() => new PermissionSyncer(ws, rules).run([DEVS], first.grants, false, first.pass));
    expect(second.pass).toBeUndefined();
    expect(second.totals).toEqual({ planned: 3, failed: 0 });
    expect(ws.reads).toEqual(['repository:infra', 'repository:web-api', 'repository:web-app']);
    expect(second.grants).toEqual(ALL_READ);
    // Outside a budget (the rule preview, a test) a run compares every target at once.
    const whole = await new PermissionSyncer(fresh(), rules).run([DEVS], {}, false);
    expect(whole.pass).toBeUndefined();
    expect(whole.grants).toEqual(ALL_READ);
  });

  it('stops between two changes of one target when the budget holds no more, and the next job reads that target again', async () => {
    const ws = fresh();
    const groups = [DEVS, OPS, { displayName: 'QA', groupSlug: 'scim-qa' }];
    const everyone = ['developers', 'ops', 'qa'].map((group) =>
      rule(group, group, 'read', { repositories: ['infra'] }),
    );
    // 7 requests: the read and the first change, then no other (each needs 6 left).
    const first = await job(() => new PermissionSyncer(ws, everyone).run(groups, {}, false), 7);
    expect(ws.writes).toEqual(['put repository:infra scim-developers read']);
    expect(first.pass).toMatchObject({ compared: 0 });
    expect(first.pass?.after).toBeUndefined();
    const second = await job(() => new PermissionSyncer(ws, everyone).run(groups, first.grants, false, first.pass), 99);
    expect(second.pass).toBeUndefined();
    expect(ws.reads).toEqual(['repository:infra', 'repository:infra']);
    expect(ws.writes).toHaveLength(3);
    expect(second.grants).toEqual({
      'repository:infra': { 'scim-developers': 'read', 'scim-ops': 'read', 'scim-qa': 'read' },
    });
    expect(second.totals).toEqual({ planned: 3, failed: 0 });
  });

  it('never touches a grant that is not its own, whichever job compares the target', async () => {
    const ws = fresh();
    ws.repositories.get('web-app')?.grants.set('scim-developers', 'admin');
    ws.repositories.get('web-app')?.grants.set('hand-made', 'write');
    const first = await job(() => new PermissionSyncer(ws, rules).run([DEVS], {}, false));
    const second = await job(() => new PermissionSyncer(ws, rules).run([DEVS], first.grants, false, first.pass));
    expect(second.pass).toBeUndefined();
    expect(ws.repositories.get('web-app')?.grants).toEqual(
      new Map([
        ['scim-developers', 'admin'],
        ['hand-made', 'write'],
      ]),
    );
    expect(ws.writes.some((write) => write.includes('web-app'))).toBe(false);
    expect(second.grants).toEqual({
      'repository:infra': { 'scim-developers': 'read' },
      'repository:web-api': { 'scim-developers': 'read' },
    });
  });

  it('starts a new pass for other rules or a live run after a dry one, and goes around when the desired grants changed', async () => {
    // Other rules: the pass starts again from the first target.
    let ws = fresh();
    let first = await job(() => new PermissionSyncer(ws, rules).run([DEVS], {}, false));
    const writeRules = [rule('r1', 'developers', 'write', { repositories: ['web-*', 'infra'] })];
    const other = await job(() => new PermissionSyncer(ws, writeRules).run([DEVS], first.grants, false, first.pass));
    expect(other.pass?.after).toBe('repository:web-api');
    expect(ws.reads.slice(2)).toEqual(['repository:infra', 'repository:web-api']);
    // A dry run's pass planned changes it did not make: a live run does not go on from it.
    ws = fresh();
    // A dry run writes nothing: 9 requests hold two targets.
    const dry = await job(() => new PermissionSyncer(ws, rules).run([DEVS], {}, true), 9);
    expect(dry.pass?.after).toBe('repository:web-api');
    const live = await job(() => new PermissionSyncer(ws, rules).run([DEVS], {}, false, dry.pass));
    expect(live.pass?.after).toBe('repository:web-api');
    expect(ws.writes.sort()).toEqual([
      'put repository:infra scim-developers read',
      'put repository:web-api scim-developers read',
    ]);
    // A group the rules name appears: the targets compared before it are compared again, going around.
    ws = fresh();
    const both = [...rules, rule('r2', 'ops', 'write', { repositories: ['web-*', 'infra'] })];
    first = await job(() => new PermissionSyncer(ws, both).run([DEVS], {}, false));
    expect(first.pass).toMatchObject({ after: 'repository:web-api' });
    const around = await job(
      () => new PermissionSyncer(ws, both).run([DEVS, OPS], first.grants, false, first.pass),
      99,
    );
    expect(around.pass).toBeUndefined();
    expect(ws.reads).toEqual([
      'repository:infra',
      'repository:web-api',
      'repository:web-app',
      'repository:infra',
      'repository:web-api',
    ]);
    expect(around.grants).toEqual({
      'repository:infra': { 'scim-developers': 'read', 'scim-ops': 'write' },
      'repository:web-api': { 'scim-developers': 'read', 'scim-ops': 'write' },
      'repository:web-app': { 'scim-developers': 'read', 'scim-ops': 'write' },
    });
    expect(around.totals).toEqual({ planned: 4, failed: 0 });
    // A group no rule names appears: the pass holds.
    ws = fresh();
    first = await job(() => new PermissionSyncer(ws, rules).run([DEVS], {}, false));
    const qa = { displayName: 'QA', groupSlug: 'scim-qa' };
    const holds = await job(() => new PermissionSyncer(ws, rules).run([DEVS, qa], first.grants, false, first.pass));
    expect(holds.pass).toBeUndefined();
    expect(ws.reads).toEqual(['repository:infra', 'repository:web-api', 'repository:web-app']);
  });
});
