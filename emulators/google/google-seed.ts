/**
 * A seeded Google Workspace account for the local host, the tests and `npm run bench:google`: users spread over org
 * units (some suspended, some archived), an admin to impersonate, and groups whose members are users, nested groups
 * (with one cycle), the whole customer and an address outside the domain. The same options always give the same
 * account, so a test can compute what a pull must produce.
 */
import type { GoogleState } from './google-state';
import { addMember, emptyGoogleState } from './google-state';

/** The seeded account's primary domain (verified in the emulated Atlassian organization: emulators/admin-api). */
export const SEEDED_GOOGLE_DOMAIN = 'example.com';

/** The seeded super admin the app impersonates. */
export const SEEDED_GOOGLE_ADMIN = 'gadmin@example.com';

/** The org units users are spread over, in turn. */
export const SEEDED_ORG_UNITS = [
  '/Engineering',
  '/Engineering/Platform',
  '/Sales',
  '/Support',
  '/Contractors',
] as const;

/** An address outside the domain that the seed makes a member of one group. */
export const SEEDED_OUTSIDER = 'partner@outside.example';

/** Options of a seeded account. */
export interface GoogleSeedOptions {
  /** Users besides the admin (default 40). */
  readonly users?: number;
  /** Groups (default 6); at least 4 for the nesting and the cycle. */
  readonly groups?: number;
  /** Every n-th user is suspended (default 37; 0 for none). */
  readonly suspendEvery?: number;
  /** Every n-th user is archived (default 97; 0 for none). */
  readonly archiveEvery?: number;
}

const GIVEN = [
  'Ada',
  'Grace',
  'Alan',
  'Edsger',
  'Barbara',
  'Donald',
  'Frances',
  'Ken',
  'Radia',
  'Tim',
  'Margaret',
  'John',
  'Shafi',
  'Leslie',
  'Hedy',
  'Niklaus',
];
const FAMILY = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'Thompson',
  'Perlman',
  'Berners-Lee',
  'Hamilton',
  'Backus',
  'Goldwasser',
  'Lamport',
  'Lamarr',
  'Wirth',
];

/** The seeded user's id for index `i` (Google's user ids are 21-digit numbers). */
export function seededUserId(i: number): string {
  return String(100000000000000000000n + BigInt(i));
}

/** The seeded group's id for index `j` (Google's group ids are 15 characters). */
export function seededGroupId(j: number): string {
  return `03ep43zb${j.toString(16).padStart(7, '0')}`;
}

/** The seeded user's primary email for index `i`. */
export function seededUserEmail(i: number): string {
  return `user${String(i).padStart(5, '0')}@${SEEDED_GOOGLE_DOMAIN}`;
}

/** The seeded group's email for index `j`. */
export function seededGroupEmail(j: number): string {
  return `team-${String(j).padStart(3, '0')}@${SEEDED_GOOGLE_DOMAIN}`;
}

/** The groups user `i` is a direct member of, out of `groups`. */
export function seededGroupsOfUser(i: number, groups: number): number[] {
  return [...new Set([i % groups, (i * 3 + 1) % groups, (i * 7 + 2) % groups])];
}

/**
 * Builds the account. Group layout (j counts from 0, m groups):
 * - every user i is a direct member of the groups seededGroupsOfUser(i, m);
 * - group 0 ("Everyone") also has the CUSTOMER as member: all users;
 * - every group j with j % 10 === 1 (and j + 1 < m) has group j + 1 as member (nested);
 * - groups m - 2 and m - 1 are members of each other (the cycle);
 * - group 2 has the outside address SEEDED_OUTSIDER as a member.
 */
export function seedGoogleDomain(options: GoogleSeedOptions = {}): GoogleState {
  const userCount = options.users ?? 40;
  const groupCount = Math.max(4, options.groups ?? 6);
  const suspendEvery = options.suspendEvery ?? 37;
  const archiveEvery = options.archiveEvery ?? 97;
  const state = emptyGoogleState(SEEDED_GOOGLE_DOMAIN);
  const created = '2026-01-05T09:00:00.000Z';
  state.users.set(seededUserId(0), {
    id: seededUserId(0),
    primaryEmail: SEEDED_GOOGLE_ADMIN,
    givenName: 'Google',
    familyName: 'Admin',
    suspended: false,
    archived: false,
    orgUnitPath: '/',
    isAdmin: true,
    aliases: [],
    creationTime: created,
  });
  for (let i = 1; i <= userCount; i += 1) {
    state.users.set(seededUserId(i), {
      id: seededUserId(i),
      primaryEmail: seededUserEmail(i),
      givenName: GIVEN[i % GIVEN.length] ?? 'User',
      familyName: `${FAMILY[(i * 5) % FAMILY.length] ?? 'Person'} ${i}`,
      suspended: suspendEvery > 0 && i % suspendEvery === 0,
      archived: archiveEvery > 0 && i % archiveEvery === 0,
      orgUnitPath: SEEDED_ORG_UNITS[i % SEEDED_ORG_UNITS.length] ?? '/',
      isAdmin: false,
      aliases: [],
      creationTime: created,
    });
  }
  for (let j = 0; j < groupCount; j += 1) {
    state.groups.set(seededGroupId(j), {
      id: seededGroupId(j),
      email: seededGroupEmail(j),
      name: j === 0 ? 'Everyone' : `Team ${String(j).padStart(3, '0')}`,
      description: j === 0 ? 'Every user of the account' : `Seeded group ${j}`,
    });
    state.members.set(seededGroupId(j), []);
  }
  for (let i = 1; i <= userCount; i += 1) {
    for (const j of seededGroupsOfUser(i, groupCount))
      addMember(state, seededGroupId(j), {
        type: 'USER',
        id: seededUserId(i),
        email: seededUserEmail(i),
        role: i % 11 === 0 ? 'OWNER' : 'MEMBER',
      });
  }
  addMember(state, seededGroupId(0), { type: 'CUSTOMER', id: state.customerId, role: 'MEMBER' });
  for (let j = 1; j + 1 < groupCount - 2; j += 10)
    addMember(state, seededGroupId(j), {
      type: 'GROUP',
      id: seededGroupId(j + 1),
      email: seededGroupEmail(j + 1),
      role: 'MEMBER',
    });
  addMember(state, seededGroupId(groupCount - 2), {
    type: 'GROUP',
    id: seededGroupId(groupCount - 1),
    email: seededGroupEmail(groupCount - 1),
    role: 'MEMBER',
  });
  addMember(state, seededGroupId(groupCount - 1), {
    type: 'GROUP',
    id: seededGroupId(groupCount - 2),
    email: seededGroupEmail(groupCount - 2),
    role: 'MEMBER',
  });
  addMember(state, seededGroupId(2), {
    type: 'USER',
    id: '999000000000000000001',
    email: SEEDED_OUTSIDER,
    role: 'MEMBER',
  });
  return state;
}
