/**
 * The Admin API emulator's user search finds the users of an email or group filter through its index (UserMap), and
 * answers exactly as a scan of every user does: the same users, in the same order, page by page.
 */
import { AdminApiEmulator } from '../../../emulators/admin-api/admin-emulator';
import { seedAdminState, type AdminState } from '../../../emulators/admin-api/admin-state';
import { EMULATED_DIRECTORY_ID, EMULATED_ORG_ID } from '../../../emulators/seed';
import { seedDirectoryUser, seedGroup } from '../../support/admin-seeds';
import { adminRequest } from '../support/exchange';

const SEARCH = `/v2/orgs/${EMULATED_ORG_ID}/directories/${EMULATED_DIRECTORY_ID}/users/search`;

/** One org, seeded on `state`: users (two sharing an email), groups, a member removed and a user set again. */
function seeded(state: AdminState): AdminApiEmulator {
  const emulator = new AdminApiEmulator({ state });
  for (let i = 0; i < 60; i += 1) seedDirectoryUser(emulator, `712020:u${(i * 37) % 60}`, `u${i % 50}@corp.example`);
  seedGroup(emulator, 'g-a', 'scim-a', { members: ['712020:u5', '712020:u1', '712020:u44', '712020:u9'] });
  seedGroup(emulator, 'g-b', 'scim-b', { members: Array.from({ length: 30 }, (_, i) => `712020:u${59 - i}`) });
  emulator.state.users.delete('712020:u9');
  const again = emulator.state.users.get('712020:u1');
  if (again) emulator.state.users.set('712020:u1', { ...again, email: 'renamed@corp.example' });
  return emulator;
}

async function search(emulator: AdminApiEmulator, filters: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  let body: Record<string, unknown> = { ...filters, limit: 7 };
  for (let page = 0; page < 50; page += 1) {
    const response = await emulator.handle(adminRequest('POST', SEARCH, body as never));
    const json = JSON.parse(String(response.body)) as { data: { accountId: string }[]; links?: { next?: string } };
    ids.push(...json.data.map((u) => u.accountId));
    if (!json.links?.next) return ids;
    body = { cursor: json.links.next, limit: 7 };
  }
  throw new Error('paging does not end');
}

it('answers an email or group search as a scan of every user would, page by page', async () => {
  const indexed = seeded(seedAdminState());
  const plain = seedAdminState();
  const scanned = seeded({ ...plain, users: new Map(plain.users) });
  for (const filters of [
    { emails: ['u3@corp.example', 'U1@corp.example', 'renamed@corp.example', 'nobody@corp.example'] },
    { groupIds: ['g-a'] },
    { groupIds: ['g-b', 'g-a'] },
    { groupIds: ['g-b'], emails: ['u12@corp.example', 'u40@corp.example'] },
    { groupIds: ['no-such-group'] },
  ]) {
    const found = await search(indexed, filters);
    expect(found).toEqual(await search(scanned, filters));
    const groupIds: readonly string[] = 'groupIds' in filters ? (filters.groupIds ?? []) : [];
    if (!groupIds.includes('no-such-group')) expect(found.length).toBeGreaterThan(0);
  }
});
