/**
 * The directory `npm run demo` pushes: 50 people at example.com (a verified domain of the emulated organization)
 * in 5 groups, one of whom is deactivated at the end, and one permission rule. Deterministic, so a second run finds
 * the same people.
 */
import type { PermissionRule } from '../../src/sync/settings';

/** One demo user. */
export interface DemoUser {
  readonly userName: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly department: string;
  /** Entra's objectId, sent as externalId. */
  readonly externalId: string;
}

/** One demo group and its members' userNames. */
export interface DemoGroup {
  readonly displayName: string;
  readonly externalId: string;
  readonly members: readonly string[];
}

const GIVEN = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Dennis'];
const FAMILY = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov'];
const DEPARTMENTS = ['Engineering', 'Platform', 'Design', 'Sales', 'Operations'];

function guid(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `0d3e5f00-5c1a-4e7b-9a2c-${hex}`;
}

/** The 50 demo users. */
export const DEMO_USERS: readonly DemoUser[] = FAMILY.flatMap((familyName, f) =>
  GIVEN.map((givenName, g) => {
    const index = f * GIVEN.length + g;
    return {
      userName: `${givenName.toLowerCase()}.${familyName.toLowerCase()}@example.com`,
      givenName,
      familyName,
      department: DEPARTMENTS[index % DEPARTMENTS.length] ?? 'Engineering',
      externalId: guid(index + 1),
    };
  }),
);

const byDepartment = (department: string): string[] =>
  DEMO_USERS.filter((u) => u.department === department).map((u) => u.userName);

/** The 5 demo groups; the names show how org groups are named (`Ünïcode Ops` becomes `scim-unicode-ops`). */
export const DEMO_GROUPS: readonly DemoGroup[] = [
  {
    displayName: 'Engineering',
    externalId: guid(1001),
    members: [...byDepartment('Engineering'), ...byDepartment('Platform')],
  },
  { displayName: 'Platform Team', externalId: guid(1002), members: byDepartment('Platform') },
  { displayName: 'Product Design', externalId: guid(1003), members: byDepartment('Design') },
  { displayName: 'Sales & Marketing', externalId: guid(1004), members: byDepartment('Sales') },
  { displayName: 'Ünïcode Ops', externalId: guid(1005), members: byDepartment('Operations') },
];

/** The user the demo deactivates at the end, as Entra does (`active` replaced with "False"). */
export const DEMO_DEACTIVATED = 'ken.hopper@example.com';

/** The demo's one permission rule: Platform Team may write to the PLAT project of the emulated workspace. */
export const DEMO_RULE: PermissionRule = {
  id: 'demo-platform-write',
  group: 'Platform Team',
  projects: ['PLAT'],
  repositories: [],
  level: 'write',
};
