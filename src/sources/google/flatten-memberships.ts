/**
 * Nested Google groups flattened to users: a group's members are its USER members plus the members of every group
 * it contains, to any depth. Google refuses to create a cycle through the API ("if group1 is a member of group2,
 * group2 cannot be a member of group1", the Member resource's `role` description) but cycles made otherwise exist,
 * so the walk keeps a visited set and reports each cycle it meets instead of looping. A CUSTOMER member stands for
 * every user of the account, here every selected user; members outside the domain are counted and left out.
 */

/** A direct member as staged: `u:<id>` a user, `g:<id>` a group, `c` the whole customer, `x:<email>` outside the domain. */
export type EncodedMember = string;

/** The flattened result of one group. */
export interface FlatGroup {
  /** Ids of the selected users who are members, directly or not. */
  readonly users: readonly string[];
}

/** What flattening found, over all groups. */
export interface FlattenReport {
  readonly groups: ReadonlyMap<string, FlatGroup>;
  readonly outsideDomain: readonly string[];
  readonly notSelected: number;
  /** Each cycle once, as the group ids around it starting from its smallest id. */
  readonly cycles: readonly (readonly string[])[];
}

/** The users of `groupId` reached through nesting (every user id found, selected or not), and whether CUSTOMER was met. */
function reach(
  groupId: string,
  members: ReadonlyMap<string, readonly EncodedMember[]>,
): { users: Set<string>; customer: boolean; outsiders: Set<string> } {
  const users = new Set<string>();
  const outsiders = new Set<string>();
  let customer = false;
  const seen = new Set<string>([groupId]);
  const queue = [groupId];
  while (queue.length > 0) {
    const current = queue.shift() ?? '';
    for (const member of members.get(current) ?? []) {
      if (member === 'c') customer = true;
      else if (member.startsWith('u:')) users.add(member.slice(2));
      else if (member.startsWith('x:')) outsiders.add(member.slice(2));
      else if (member.startsWith('g:')) {
        const nested = member.slice(2);
        if (!seen.has(nested)) {
          seen.add(nested);
          queue.push(nested);
        }
      }
    }
  }
  return { users, customer, outsiders };
}

/** Every cycle among the groups, found by depth-first search (each reported once). */
export function findCycles(members: ReadonlyMap<string, readonly EncodedMember[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found = new Map<string, string[]>();
  const visit = (id: string): void => {
    state.set(id, 'open');
    stack.push(id);
    for (const member of members.get(id) ?? []) {
      if (!member.startsWith('g:')) continue;
      const next = member.slice(2);
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        const start = cycle.indexOf([...cycle].sort()[0] ?? '');
        const canonical = [...cycle.slice(start), ...cycle.slice(0, start)];
        found.set(canonical.join(' '), canonical);
      } else if (state.get(next) === undefined && members.has(next)) visit(next);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...members.keys()].sort()) if (state.get(id) === undefined) visit(id);
  return [...found.values()];
}

/** Flattens `groupIds` given every group's direct members and the selected users. */
export function flattenMemberships(
  groupIds: readonly string[],
  members: ReadonlyMap<string, readonly EncodedMember[]>,
  selectedUsers: ReadonlySet<string>,
): FlattenReport {
  const groups = new Map<string, FlatGroup>();
  const outside = new Set<string>();
  const notSelected = new Set<string>();
  for (const groupId of groupIds) {
    const { users, customer, outsiders } = reach(groupId, members);
    for (const email of outsiders) outside.add(email.toLowerCase());
    const flat = customer ? new Set(selectedUsers) : new Set<string>();
    for (const id of users) {
      if (selectedUsers.has(id)) flat.add(id);
      else notSelected.add(id);
    }
    groups.set(groupId, { users: [...flat].sort() });
  }
  return { groups, outsideDomain: [...outside].sort(), notSelected: notSelected.size, cycles: findCycles(members) };
}
