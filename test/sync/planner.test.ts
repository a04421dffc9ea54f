/** The pure planner as data tables: (desired, actual, links, settings) -> minimal changes. */
import {
  planGroup,
  planUser,
  type Change,
  type GroupPlanInput,
  type PlanSettings,
  type UserPlanInput,
} from '../../src/sync/planner';
import type { DirectoryAccount, DirectoryGroup } from '../../src/targets/ports';

const ALL_ON: PlanSettings = {
  operations: { create: true, update: true, reactivate: true, deactivate: true, groupSync: true },
  deactivation: 'suspend',
  deletion: 'suspend',
};

function settings(overrides: Partial<PlanSettings> & { ops?: Partial<PlanSettings['operations']> } = {}): PlanSettings {
  return { ...ALL_ON, ...overrides, operations: { ...ALL_ON.operations, ...overrides.ops } };
}

function account(status: DirectoryAccount['status'], extra: Partial<DirectoryAccount> = {}): DirectoryAccount {
  return { accountId: 'acc-1', email: 'ada@example.com', status, managementSource: 'invited', ...extra };
}

const K = 'User.u1';

const userCases: {
  name: string;
  input: Omit<UserPlanInput, 'key' | 'appGroupIdsOfAccount'> & { appGroupIdsOfAccount?: string[] };
  settings?: PlanSettings;
  expected: Change[];
}[] = [
  {
    name: 'invites a new active user',
    input: { desired: { deleted: false, active: true, email: 'ada@example.com' }, link: undefined, account: undefined },
    expected: [{ kind: 'invite-user', key: K, email: 'ada@example.com' }],
  },
  {
    name: 'does not invite when create is off',
    input: { desired: { deleted: false, active: true, email: 'ada@example.com' }, link: undefined, account: undefined },
    settings: settings({ ops: { create: false } }),
    expected: [{ kind: 'skip', key: K, reason: 'Creating accounts is switched off' }],
  },
  {
    name: 'links an existing account found by email, no remote write',
    input: {
      desired: { deleted: false, active: true, email: 'ADA@example.com' },
      link: undefined,
      account: account('active'),
    },
    expected: [{ kind: 'link-user', key: K, accountId: 'acc-1', email: 'ADA@example.com' }],
  },
  {
    name: 'plans nothing for a linked active account (replay)',
    input: {
      desired: { deleted: false, active: true, email: 'ada@example.com' },
      link: { accountId: 'acc-1', email: 'ada@example.com' },
      account: account('active'),
    },
    expected: [],
  },
  {
    name: 'restores a suspended account',
    input: {
      desired: { deleted: false, active: true, email: 'ada@example.com' },
      link: { accountId: 'acc-1', email: 'ada@example.com' },
      account: account('suspended'),
    },
    expected: [{ kind: 'restore-user', key: K, accountId: 'acc-1' }],
  },
  {
    name: 'skips reactivation when it is off',
    input: {
      desired: { deleted: false, active: true, email: 'ada@example.com' },
      link: { accountId: 'acc-1', email: 'ada@example.com' },
      account: account('suspended'),
    },
    settings: settings({ ops: { reactivate: false } }),
    expected: [{ kind: 'skip', key: K, reason: 'Reactivation is switched off' }],
  },
  {
    name: 'suspends a deactivated user',
    input: {
      desired: { deleted: false, active: false, email: 'ada@example.com' },
      link: { accountId: 'acc-1', email: 'ada@example.com' },
      account: account('active'),
    },
    expected: [{ kind: 'suspend-user', key: K, accountId: 'acc-1' }],
  },
  {
    name: 'plans nothing for an already suspended, deactivated user',
    input: {
      desired: { deleted: false, active: false, email: 'ada@example.com' },
      link: { accountId: 'acc-1', email: 'ada@example.com' },
      account: account('suspended'),
    },
    expected: [],
  },
  {
    name: "revoke-access mode removes the user from the app's groups instead",
    input: {
      desired: { deleted: false, active: false, email: 'ada@example.com' },
      link: { accountId: 'acc-1', email: 'ada@example.com' },
      account: account('active'),
      appGroupIdsOfAccount: ['g1', 'g2'],
    },
    settings: settings({ deactivation: 'revoke-access' }),
    expected: [
      { kind: 'remove-member', key: K, orgGroupId: 'g1', accountId: 'acc-1' },
      { kind: 'remove-member', key: K, orgGroupId: 'g2', accountId: 'acc-1' },
    ],
  },
  {
    name: 'skips deactivation when it is off',
    input: {
      desired: { deleted: false, active: false, email: 'ada@example.com' },
      link: { accountId: 'acc-1' },
      account: account('active'),
    },
    settings: settings({ ops: { deactivate: false } }),
    expected: [{ kind: 'skip', key: K, reason: 'Deactivation is switched off' }],
  },
  {
    name: 'a deleted user is suspended by default',
    input: {
      desired: { deleted: true },
      link: { accountId: 'acc-1', email: 'ada@example.com' },
      account: account('active'),
    },
    expected: [{ kind: 'suspend-user', key: K, accountId: 'acc-1' }],
  },
  {
    name: 'a deleted user is removed when deletion is remove',
    input: {
      desired: { deleted: true },
      link: { accountId: 'acc-1', email: 'ada@example.com' },
      account: account('suspended'),
    },
    settings: settings({ deletion: 'remove' }),
    expected: [{ kind: 'remove-user', key: K, accountId: 'acc-1' }],
  },
  {
    name: 'a deleted user never linked plans nothing',
    input: { desired: { deleted: true }, link: undefined, account: undefined },
    expected: [],
  },
  {
    name: "never writes an account of Atlassian's own IdP sync",
    input: {
      desired: { deleted: false, active: false, email: 'ada@example.com' },
      link: undefined,
      account: account('active', { managementSource: 'synced' }),
    },
    expected: [
      { kind: 'skip', key: K, reason: "The account is managed by Atlassian's own IdP sync; the app does not write it" },
    ],
  },
  {
    name: 'reports a user without a derivable email',
    input: { desired: { deleted: false, active: true, email: undefined }, link: undefined, account: undefined },
    expected: [
      {
        kind: 'skip',
        key: K,
        reason: 'No account email could be derived from the user (check the username transform or the work email)',
      },
    ],
  },
  {
    name: 'invites an account that exists without membership',
    input: {
      desired: { deleted: false, active: true, email: 'ada@example.com' },
      link: { accountId: 'acc-1', email: 'ada@example.com' },
      account: account('not_invited'),
    },
    expected: [{ kind: 'invite-user', key: K, email: 'ada@example.com' }],
  },
  {
    name: 'keeps the linked account of a user renamed at the source when the new email has no account',
    input: {
      desired: { deleted: false, active: true, email: 'ada.new@example.com' },
      link: { accountId: 'acc-1', email: 'ada@example.com' },
      account: account('active'),
    },
    expected: [],
  },
  {
    name: 're-links after an email change when update is on',
    input: {
      desired: { deleted: false, active: true, email: 'new@example.com' },
      link: { accountId: 'acc-1', email: 'ada@example.com' },
      account: account('active', { email: 'new@example.com' }),
    },
    expected: [{ kind: 'link-user', key: K, accountId: 'acc-1', email: 'new@example.com' }],
  },
];

describe('planUser', () => {
  it.each(userCases)('$name', ({ input, settings: s, expected }) => {
    expect(planUser({ key: K, appGroupIdsOfAccount: [], ...input }, s ?? ALL_ON)).toEqual(expected);
  });
});

const G = 'Group.g1';
const remote: DirectoryGroup = { id: 'org-g1', name: 'scim-engineering', externalSynced: false, deletable: true };

function groupInput(overrides: Partial<GroupPlanInput>): GroupPlanInput {
  return {
    key: G,
    desired: { deleted: false, orgGroupName: 'scim-engineering', memberAccountIds: new Set(['a1', 'a2']) },
    link: { orgGroupId: 'org-g1', orgGroupName: 'scim-engineering' },
    group: remote,
    actualMemberAccountIds: new Set(['a1', 'a2']),
    appAccountIds: new Set(['a1', 'a2', 'a3']),
    rolesOnWorkspace: ['atlassian/user'],
    workspaceResourceId: 'ari:bitbucket',
    bitbucketRoleId: 'atlassian/user',
    ...overrides,
  };
}

const groupCases: { name: string; input: GroupPlanInput; settings?: PlanSettings; expected: Change[] }[] = [
  { name: 'plans nothing when everything matches (replay)', input: groupInput({}), expected: [] },
  {
    name: 'creates a missing group',
    input: groupInput({ group: undefined, link: undefined, actualMemberAccountIds: new Set() }),
    expected: [{ kind: 'create-group', key: G, name: 'scim-engineering' }],
  },
  {
    name: 'links a group found by name, grants Bitbucket access and adds members',
    input: groupInput({ link: undefined, rolesOnWorkspace: [], actualMemberAccountIds: new Set(['a1']) }),
    expected: [
      { kind: 'link-group', key: G, orgGroupId: 'org-g1', name: 'scim-engineering' },
      { kind: 'assign-role', key: G, orgGroupId: 'org-g1', resourceId: 'ari:bitbucket', roleId: 'atlassian/user' },
      { kind: 'add-member', key: G, orgGroupId: 'org-g1', accountId: 'a2' },
    ],
  },
  {
    name: 'removes only members the app manages',
    input: groupInput({ actualMemberAccountIds: new Set(['a1', 'a2', 'a3', 'outsider']) }),
    expected: [{ kind: 'remove-member', key: G, orgGroupId: 'org-g1', accountId: 'a3' }],
  },
  {
    name: 'deletes a deleted group that has no members',
    input: groupInput({ desired: { deleted: true }, actualMemberAccountIds: new Set() }),
    expected: [{ kind: 'delete-group', key: G, orgGroupId: 'org-g1' }],
  },
  {
    name: 'a deleted group with app members is deleted (the delete removes them)',
    input: groupInput({ desired: { deleted: true } }),
    expected: [{ kind: 'delete-group', key: G, orgGroupId: 'org-g1' }],
  },
  {
    name: "never deletes a group with members outside the app's control",
    input: groupInput({ desired: { deleted: true }, actualMemberAccountIds: new Set(['a1', 'outsider']) }),
    expected: [
      { kind: 'remove-member', key: G, orgGroupId: 'org-g1', accountId: 'a1' },
      { kind: 'skip', key: G, reason: 'The org group keeps 1 member(s) the app does not manage, so it is not deleted' },
    ],
  },
  {
    name: "never writes a group synced by Atlassian's own IdP sync",
    input: groupInput({ group: { ...remote, externalSynced: true } }),
    expected: [
      {
        kind: 'skip',
        key: G,
        reason: 'The org group "scim-engineering" is synced by Atlassian\'s own IdP sync; the app does not write it',
      },
    ],
  },
  {
    name: 'does nothing when group sync is off',
    input: groupInput({ link: undefined, group: undefined }),
    settings: settings({ ops: { groupSync: false } }),
    expected: [{ kind: 'skip', key: G, reason: 'Group sync is switched off' }],
  },
];

describe('planGroup', () => {
  it.each(groupCases)('$name', ({ input, settings: s, expected }) => {
    expect(planGroup(input, s ?? ALL_ON)).toEqual(expected);
  });
});
