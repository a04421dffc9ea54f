/**
 * A plain-JSON picture of a linked emulator pair: the organization's accounts and groups, Bitbucket's group
 * grants, the write logs and the spec violations. The emulator server answers it over HTTP, so a test can
 * compare the emulated organization with what it expects while the emulators run in another process.
 */
import type { RoleGrant } from './admin-api/admin-state';
import type { AdminApiEmulator } from './admin-api/admin-emulator';
import type { BitbucketEmulator } from './bitbucket/bitbucket-emulator';
import type { PermissionGrant } from './bitbucket/bitbucket-state';
import type { Violation, WriteLogEntry } from './emulator-types';

/** An Atlassian account as the snapshot shows it. */
export interface SnapshotUser {
  readonly accountId: string;
  readonly email: string;
  readonly accountStatus: string;
  readonly membershipStatus: string;
  readonly directoryId: string | undefined;
  readonly roles: readonly RoleGrant[];
}

/** An org group as the snapshot shows it, members as account ids. */
export interface SnapshotGroup {
  readonly id: string;
  readonly name: string;
  readonly externalSynced: boolean;
  readonly members: readonly string[];
  readonly roles: readonly RoleGrant[];
}

/** How many requests each emulator has received (reads and writes, faults included). */
export interface RequestCounts {
  readonly admin: number;
  readonly bitbucket: number;
}

/** The whole picture; `writeLog` and `violations` are left empty when the caller asks for state only. */
export interface EmulatorSnapshot {
  readonly admin: { readonly users: readonly SnapshotUser[]; readonly groups: readonly SnapshotGroup[] };
  readonly bitbucket: { readonly permissions: readonly PermissionGrant[] };
  readonly writeLog: { readonly admin: readonly WriteLogEntry[]; readonly bitbucket: readonly WriteLogEntry[] };
  readonly violations: { readonly admin: readonly Violation[]; readonly bitbucket: readonly Violation[] };
  readonly requests: RequestCounts;
}

/** Copies the emulators' state (and, unless `stateOnly`, their logs) into a JSON-safe snapshot. */
export function snapshotEmulators(
  emulators: { readonly admin: AdminApiEmulator; readonly bitbucket: BitbucketEmulator },
  requests: RequestCounts,
  options: { readonly stateOnly?: boolean } = {},
): EmulatorSnapshot {
  const { admin, bitbucket } = emulators;
  const withLogs = options.stateOnly !== true;
  return {
    admin: {
      users: [...admin.state.users.values()].map((u) => ({
        accountId: u.accountId,
        email: u.email,
        accountStatus: u.accountStatus,
        membershipStatus: u.membershipStatus,
        directoryId: u.directoryId,
        roles: u.roles.map((r) => ({ ...r })),
      })),
      groups: [...admin.state.groups.values()].map((g) => ({
        id: g.id,
        name: g.name,
        externalSynced: g.externalSynced,
        members: [...g.members],
        roles: g.roles.map((r) => ({ ...r })),
      })),
    },
    bitbucket: { permissions: [...bitbucket.state.permissions.values()].map((p) => ({ ...p })) },
    writeLog: { admin: withLogs ? [...admin.writeLog] : [], bitbucket: withLogs ? [...bitbucket.writeLog] : [] },
    violations: { admin: withLogs ? [...admin.violations] : [], bitbucket: withLogs ? [...bitbucket.violations] : [] },
    requests: { ...requests },
  };
}
