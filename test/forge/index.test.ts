import { adminResolver, syncWorker } from '../../src/forge/index';
import { makeReconcile, makeSyncSweep } from '../../src/forge/sync-worker';
import type { SyncJob } from '../../src/sync/jobs';
import { ORIGIN_PUSH_BUDGET } from '../../src/sync/lineage-budget';

// The backend context Forge adds to a resolver call (@forge/resolver getDefinitions, second argument).
const RUNTIME = { installContext: 'ari:cloud:bitbucket::workspace/0000', principal: { accountId: 'acc-1' } };

describe('adminResolver', () => {
  it('answers a refusal, not a throw, when the installation names no Bitbucket workspace (before any storage or Bitbucket call)', async () => {
    const result = await adminResolver({ call: { functionKey: 'status/get', payload: {} }, context: {} }, RUNTIME);
    expect(result).toEqual({ error: { reason: 'no-workspace', message: expect.any(String) } });
  });

  it.each(['diagnostics/get', 'diagnostics/run', 'diagnostics/record', 'diagnostics/repositories'])(
    'defines the Diagnostics call %s, refused like every admin call',
    async (functionKey) => {
      const result = await adminResolver({ call: { functionKey, payload: {} }, context: {} }, RUNTIME);
      expect(result).toEqual({
        error: { reason: 'no-workspace', message: expect.stringContaining('ari:cloud:bitbucket::workspace/0000') },
      });
    },
  );

  it('rejects a key it does not define', async () => {
    await expect(adminResolver({ call: { functionKey: 'status/set' }, context: {} })).rejects.toThrow(
      /no definition for 'status\/set'/,
    );
  });
});

describe('syncWorker', () => {
  let warn: jest.SpyInstance<void, unknown[]>;
  let warnings: unknown[][];

  beforeEach(() => {
    warnings = [];
    warn = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      warnings.push(args);
    });
  });

  afterEach(() => warn.mockRestore());

  it('acknowledges an event it cannot read, and logs it, instead of throwing', async () => {
    await expect(syncWorker({ body: { something: 'else' }, jobId: 'j', eventId: 'e' })).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.[0])).toContain('SYNC_EVENT_IGNORED job=j event=e');
  });
});

describe('reconcile', () => {
  it('queues one reconcile job and reports success with 204', async () => {
    const pushed: SyncJob[] = [];
    const reconcile = makeReconcile(() => ({ push: async (jobs) => void pushed.push(...jobs) }));
    await expect(reconcile()).resolves.toEqual({ statusCode: 204 });
    // A scheduled trigger is an origin: the reconcile's lineage gets the origin's budget less this push.
    expect(pushed).toEqual([{ v: 1, type: 'reconcile', budget: ORIGIN_PUSH_BUDGET - 1 }]);
  });
});

describe('syncSweep', () => {
  it('resumes through the dispatcher and reports success with 204', async () => {
    let resumed = 0;
    const sweep = makeSyncSweep(async () => ({
      resume: async () => {
        resumed += 1;
        return 'nothing' as const;
      },
    }));
    await expect(sweep()).resolves.toEqual({ statusCode: 204 });
    expect(resumed).toBe(1);
  });
});
