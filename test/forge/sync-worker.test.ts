import type { SyncEvent } from '../../src/forge/sync-worker';
import { handleSyncEvent, parseSyncEventBody, SYNC_EVENT_IGNORED_CODE, SYNC_EVENT_VERSION } from '../../src/forge/sync-worker';

function makeEvent(body: unknown): SyncEvent {
  return { body, jobId: 'job-1', eventId: 'event-1' };
}

describe('parseSyncEventBody', () => {
  it('accepts a body of the current version', () => {
    expect(parseSyncEventBody({ version: SYNC_EVENT_VERSION, kind: 'apply', extra: 1 })).toEqual({
      outcome: 'accepted',
      body: { version: 1, kind: 'apply' },
    });
  });

  it.each([
    ['null', null, 'body is not an object'],
    ['a string', 'sync', 'body is not an object'],
    ['an array', [{ version: 1, kind: 'apply' }], 'body is not an object'],
    ['no version', { kind: 'apply' }, 'unsupported version undefined'],
    ['a later version', { version: 2, kind: 'apply' }, 'unsupported version 2'],
    ['a version as a string', { version: '1', kind: 'apply' }, 'unsupported version string'],
    ['no kind', { version: 1 }, 'kind is not a non-empty string'],
    ['an empty kind', { version: 1, kind: '' }, 'kind is not a non-empty string'],
  ])('ignores a body with %s', (_name, body, reason) => {
    expect(parseSyncEventBody(body)).toEqual({ outcome: 'ignored', reason });
  });
});

describe('handleSyncEvent', () => {
  it('logs nothing for an event it can read', () => {
    const lines: string[] = [];
    const result = handleSyncEvent(makeEvent({ version: 1, kind: 'apply' }), { warn: (line) => lines.push(line) });
    expect(result.outcome).toBe('accepted');
    expect(lines).toEqual([]);
  });

  it('logs the ids and the reason of an event it drops, but not the body', () => {
    const lines: string[] = [];
    const result = handleSyncEvent(makeEvent({ version: 9, userName: 'alice@example.com' }), { warn: (line) => lines.push(line) });
    expect(result).toEqual({ outcome: 'ignored', reason: 'unsupported version 9' });
    expect(lines).toEqual([`${SYNC_EVENT_IGNORED_CODE} job=job-1 event=event-1: unsupported version 9`]);
    expect(lines.join('')).not.toContain('alice');
  });

  it('copes with an event that has no fields at all', () => {
    const lines: string[] = [];
    expect(handleSyncEvent(undefined, { warn: (line) => lines.push(line) }).outcome).toBe('ignored');
    expect(lines).toEqual([`${SYNC_EVENT_IGNORED_CODE} job=- event=-: body is not an object`]);
  });
});
