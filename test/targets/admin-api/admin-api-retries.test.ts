import { findGroupByName } from '../../../emulators/admin-api/admin-state';
import { EMULATED_ADMIN } from '../../../emulators/seed';
import { ADMIN_API_OPERATIONS } from '../../../src/targets/admin-api/admin-api-operations';
import { TargetError } from '../../../src/targets/ports';
import { seedDirectoryUser, seedGroup } from '../../support/admin-seeds';
import { rejectionOf } from '../../support/outcomes';
import { adminHarness, checkedAfterEach } from '../support/harness';

const OPS = ADMIN_API_OPERATIONS;
const CREATE = { method: 'POST', pathTemplate: OPS.createGroup.pathTemplate };

const harness = checkedAfterEach(adminHarness);

describe('AdminApiClient under injected faults', () => {
  it('waits out a 429 for the Retry-After time on the virtual clock, then succeeds', async () => {
    const { emulator, client } = harness({ emulator: { retryAfterHeader: true } });
    emulator.faults.add({ match: CREATE, onCalls: [1], fault: { kind: 'status', status: 429, retryAfterSeconds: 7 } });
    await client.createGroup('scim-after-429');
    const [refused, accepted] = emulator.writeLog;
    expect([refused?.status, accepted?.status]).toEqual([429, 201]);
    expect((accepted?.time ?? 0) - (refused?.time ?? 0)).toBe(7_000);
  });

  it('waits until X-RateLimit-Reset (ISO 8601) when no Retry-After is sent', async () => {
    const { emulator, client } = harness();
    emulator.faults.add({ match: CREATE, onCalls: [1], fault: { kind: 'status', status: 429, retryAfterSeconds: 42 } });
    await client.createGroup('scim-after-reset');
    const [refused, accepted] = emulator.writeLog;
    expect([refused?.status, accepted?.status]).toEqual([429, 201]);
    expect((accepted?.time ?? 0) - (refused?.time ?? 0)).toBe(42_000);
  });

  it('retries 5xx answers and then succeeds', async () => {
    const { emulator, client } = harness();
    emulator.faults.add({ match: CREATE, onCalls: [1, 2], fault: { kind: 'status', status: 500 } });
    const group = await client.createGroup('scim-after-500');
    expect(emulator.writeLog.map((w) => w.status)).toEqual([500, 500, 201]);
    expect(group.existed).toBe(false);
  });

  it('gives up with rate-limited after the attempt budget, keeping the server wait for the worker', async () => {
    const { emulator, client } = harness({ client: { retry: { maxAttempts: 4 } } });
    emulator.faults.add({ match: CREATE, fault: { kind: 'status', status: 429, retryAfterSeconds: 10 } });
    const error = await rejectionOf(client.createGroup('scim-never'));
    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({
      kind: 'rate-limited',
      retryable: true,
      details: { status: 429, retryAfterMs: 10_000 },
    });
    expect(emulator.writeLog.map((w) => w.status)).toEqual([429, 429, 429, 429]);
  });

  it('gives up with transient after the attempt budget of 5xx answers', async () => {
    const { emulator, client } = harness({ client: { retry: { maxAttempts: 3 } } });
    emulator.faults.add({
      match: { pathTemplate: OPS.removeUser.pathTemplate },
      fault: { kind: 'status', status: 503 },
    });
    expect(await rejectionOf(client.removeUser(EMULATED_ADMIN.accountId))).toMatchObject({
      kind: 'transient',
      details: { status: 503 },
    });
    expect(emulator.writeLog.map((w) => w.status)).toEqual([503, 503, 503]);
  });

  it('never repeats a write that answers success again when its outcome is unknown', async () => {
    const { emulator, client } = harness({ client: { retry: { maxAttempts: 5 } } });
    emulator.faults.add({
      match: { pathTemplate: OPS.suspendUser.pathTemplate },
      onCalls: [1],
      fault: { kind: 'drop', when: 'after-handling' },
    });
    expect(await rejectionOf(client.suspendUser(EMULATED_ADMIN.accountId))).toMatchObject({
      kind: 'transient',
      message: expect.stringContaining('not repeated blindly'),
    });
    expect(emulator.writeLog.map((w) => [w.status, w.applied])).toEqual([['dropped', true]]);
  });

  it('reports a connection that keeps dropping as transient', async () => {
    const { emulator, client } = harness({ client: { retry: { maxAttempts: 2 } } });
    emulator.faults.add({ match: { pathTemplate: OPS.removeUser.pathTemplate }, fault: { kind: 'drop' } });
    expect(await rejectionOf(client.removeUser(EMULATED_ADMIN.accountId))).toMatchObject({
      kind: 'transient',
      message: expect.stringContaining('connection failed'),
    });
    expect(emulator.writeLog.map((w) => [w.status, w.applied])).toEqual([
      ['dropped', false],
      ['dropped', false],
    ]);
  });

  it('takes a 409 after its own lost create as its own group, not an existing one', async () => {
    const { emulator, client } = harness();
    emulator.faults.add({ match: CREATE, onCalls: [1], fault: { kind: 'drop', when: 'after-handling' } });
    const group = await client.createGroup('scim-lost-reply');
    expect(group).toMatchObject({ id: findGroupByName(emulator.state, 'scim-lost-reply')?.id, existed: false });
    expect(emulator.writeLog.map((w) => w.status)).toEqual(['dropped', 409]);
    expect(emulator.state.groups.size).toBe(1);
  });

  it('takes a 409 after its own lost membership add as added', async () => {
    const { emulator, client } = harness();
    const user = seedDirectoryUser(emulator, '712020:lost', 'lost@corp.example');
    seedGroup(emulator, 'g-lost', 'scim-lost');
    emulator.faults.add({
      match: { pathTemplate: OPS.addMembership.pathTemplate },
      onCalls: [1],
      fault: { kind: 'drop', when: 'after-handling' },
    });
    expect(await client.addMember('g-lost', user.accountId)).toBe('added');
    expect(emulator.writeLog.map((w) => w.status)).toEqual(['dropped', 409]);
  });

  it('paces itself to X-RateLimit-Remaining, so a configured limit is never hit', async () => {
    const { emulator, client, recorder, clock } = harness({ emulator: { rateLimit: { limit: 3, windowMs: 60_000 } } });
    const start = clock.now();
    for (let i = 0; i < 7; i++) await client.listDirectories();
    expect(recorder.exchanges.map((e) => e.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    expect(clock.now() - start).toBe(120_000);
    expect(emulator.violations).toEqual([]);
  });
});
