/**
 * The emulated organization under `npm start` can be looked at (first hour, item 9): `/emulator/state` and
 * `/emulator/counts` are served on the local host as `npm run emulators` serves them, behind the admin key.
 */
import { randomBytes } from 'node:crypto';
import { inProcessHostPerTest } from '../support/in-process-host';
import { scimOverHttp } from '../support/sync-state';

describe('/emulator/state on the local host', () => {
  const adminKey = randomBytes(12).toString('base64url');
  const started = inProcessHostPerTest({ bearerToken: 'emulator-state-token', adminKey });

  it('answers the snapshot of the emulated organization to a caller with the admin key, and 401 without it', async () => {
    const created = await scimOverHttp(started.host.scimBaseUrl, 'emulator-state-token')('POST', '/Users', {
      userName: 'ada@example.com',
      active: true,
    });
    expect(created.status).toBe(201);
    await started.host.sync.dispatcher.drain();
    await started.host.runtime.idle();
    const url = started.host.emulatorUrls?.state;
    expect(url).toBe(`${started.host.url}/emulator/state`);
    expect((await fetch(`${url}`)).status).toBe(401);
    expect((await fetch(`${url}`, { headers: { 'x-admin-key': 'wrong' } })).status).toBe(401);
    const answer = await fetch(`${url}?logs=false`, { headers: { 'x-admin-key': adminKey } });
    expect(answer.status).toBe(200);
    const snapshot = (await answer.json()) as { admin: { users: { email: string }[] }; writeLog: { admin: unknown[] } };
    expect(snapshot.admin.users.map((u) => u.email)).toContain('ada@example.com');
    expect(snapshot.writeLog.admin).toEqual([]);
    const counts = await fetch(`${started.host.url}/emulator/counts`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(counts.status).toBe(200);
    expect(((await counts.json()) as { requests: { admin: number } }).requests.admin).toBeGreaterThan(0);
  });
});
