/** The queue consumer: readable jobs go to the dispatcher, unreadable ones are logged by id and acknowledged. */
import { handleSyncEvent, SYNC_EVENT_IGNORED_CODE, type SyncEvent } from '../../src/forge/sync-worker';
import { parseSyncJob, type SyncJob } from '../../src/sync/jobs';

function makeEvent(body: unknown): SyncEvent {
  return { body, jobId: 'job-1', eventId: 'event-1' };
}

describe('parseSyncJob', () => {
  it.each([
    [
      { v: 1, type: 'drain' },
      { v: 1, type: 'drain' },
    ],
    [
      { v: 1, type: 'reconcile', extra: true },
      { v: 1, type: 'reconcile' },
    ],
    [
      { v: 1, type: 'drain', sweep: true, budget: 40 },
      { v: 1, type: 'drain', sweep: true, budget: 40 },
    ],
    // A budget out of range or not whole is left out: the job runs, with no pushes left to its lineage.
    [
      { v: 1, type: 'reconcile', budget: 1001 },
      { v: 1, type: 'reconcile' },
    ],
    [
      { v: 1, type: 'drain', budget: -1 },
      { v: 1, type: 'drain' },
    ],
    [
      { v: 1, type: 'sync', lane: 2, entries: [{ key: 'User.b', version: 1 }], budget: 2.5 },
      { v: 1, type: 'sync', lane: 2, entries: [{ key: 'User.b', version: 1 }] },
    ],
    [
      {
        v: 1,
        type: 'sync',
        entries: [
          { key: 'User.a-1', version: 3 },
          { key: 'Permissions.all', version: 0 },
        ],
      },
      {
        v: 1,
        type: 'sync',
        entries: [
          { key: 'User.a-1', version: 3 },
          { key: 'Permissions.all', version: 0 },
        ],
      },
    ],
  ])('reads %j', (body, expected) => {
    expect(parseSyncJob(body)).toEqual(expected);
  });

  it.each([
    ['null', null],
    ['a string', 'sync'],
    ['a later version', { v: 2, type: 'drain' }],
    ['an unknown type', { v: 1, type: 'explode' }],
    ['entries that are not an array', { v: 1, type: 'sync', entries: 'User.a' }],
    ['a key of an unknown kind', { v: 1, type: 'sync', entries: [{ key: 'Secret.x', version: 1 }] }],
    ['a key with a path', { v: 1, type: 'sync', entries: [{ key: 'User.../../x', version: 1 }] }],
    ['a fractional version', { v: 1, type: 'sync', entries: [{ key: 'User.a', version: 1.5 }] }],
    [
      'too many entries',
      { v: 1, type: 'sync', entries: Array.from({ length: 101 }, (_, i) => ({ key: `User.u${i}`, version: 1 })) },
    ],
  ])('rejects %s', (_name, body) => {
    expect(parseSyncJob(body)).toBeUndefined();
  });
});

describe('handleSyncEvent', () => {
  it('hands a readable job to the dispatcher and passes its retry request back', async () => {
    const handled: SyncJob[] = [];
    const outcome = await handleSyncEvent(makeEvent({ v: 1, type: 'drain' }), {
      handle: async (job) => {
        handled.push(job);
        return { retryAfterSeconds: 30 };
      },
      warn: () => undefined,
    });
    expect(handled).toEqual([{ v: 1, type: 'drain' }]);
    expect(outcome).toEqual({ retryAfterSeconds: 30 });
  });

  it('hands a redelivered job on with no pushes left to its lineage, which its first delivery spent already', async () => {
    const handled: SyncJob[] = [];
    const deps = {
      handle: async (job: SyncJob) => {
        handled.push(job);
        return undefined;
      },
      warn: () => undefined,
    };
    const body = { v: 1, type: 'drain', budget: 300 };
    await handleSyncEvent(makeEvent(body), deps);
    await handleSyncEvent({ ...makeEvent(body), retryContext: { retryCount: 1 } }, deps);
    expect(handled).toEqual([
      { v: 1, type: 'drain', budget: 300 },
      { v: 1, type: 'drain', budget: 0 },
    ]);
  });

  it('logs an unreadable event by its ids only and acknowledges it', async () => {
    const lines: string[] = [];
    const outcome = await handleSyncEvent(makeEvent({ v: 9, secret: 'do-not-log' }), {
      handle: async () => {
        throw new Error('must not be called');
      },
      warn: (line) => lines.push(line),
    });
    expect(outcome).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(SYNC_EVENT_IGNORED_CODE);
    expect(lines[0]).toContain('job=job-1');
    expect(lines[0]).not.toContain('do-not-log');
  });

  it('acknowledges an event without a body', async () => {
    const lines: string[] = [];
    expect(
      await handleSyncEvent(undefined, { handle: async () => undefined, warn: (line) => lines.push(line) }),
    ).toBeUndefined();
    expect(lines[0]).toContain('job=-');
  });
});
