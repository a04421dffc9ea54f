/** Users and groups put straight into an Admin API emulator's directory, as if made before the test. */
import type { AdminApiEmulator } from '../../emulators/admin-api/admin-emulator';
import type { AdminGroup, AdminUser } from '../../emulators/admin-api/admin-state';
import { EMULATED_DIRECTORY_ID } from '../../emulators/seed';

/** Puts an active user into the emulated directory. */
export function seedDirectoryUser(
  emulator: AdminApiEmulator,
  accountId: string,
  email: string,
  changes: Partial<AdminUser> = {},
): AdminUser {
  const user: AdminUser = {
    accountId,
    email,
    name: email.split('@')[0] ?? email,
    nickname: email.split('@')[0] ?? email,
    accountStatus: 'active',
    claimStatus: 'unmanaged',
    managementSource: 'invited',
    emailVerified: true,
    mfaEnabled: false,
    addedToOrg: '2026-08-01T00:00:00.000Z',
    directoryId: EMULATED_DIRECTORY_ID,
    membershipStatus: 'active',
    roles: [],
    ...changes,
  };
  emulator.state.users.set(accountId, user);
  return user;
}

/** Puts a group into the emulated directory and returns it. */
export function seedGroup(
  emulator: AdminApiEmulator,
  id: string,
  name: string,
  changes: { externalSynced?: boolean; members?: string[]; description?: string } = {},
): AdminGroup {
  const group: AdminGroup = {
    id,
    name,
    description: changes.description,
    directoryId: EMULATED_DIRECTORY_ID,
    externalSynced: changes.externalSynced ?? false,
    managedBy: changes.externalSynced === true ? 'external' : 'admins',
    members: new Set(changes.members ?? []),
    roles: [],
    createdAt: 0,
  };
  emulator.state.groups.set(id, group);
  return group;
}
