import {
  planAccessWorkspace,
  seedAccessLayout,
  seedHandMadeAccess,
  seedIdpAccounts,
  ISSUE_17_WORKSPACE,
} from '../../../emulators/access-workspace';
import { slugifyGroupName } from '../../../emulators/bitbucket/bitbucket-state';
import { createLinkedEmulators } from '../../../emulators/linked-emulators';
import { validatorFor } from '../../../emulators/openapi/validator';
import { EMULATED_WORKSPACE_SLUG } from '../../../emulators/seed';
import { VirtualClock } from '../../../emulators/virtual-clock';
import type { AccessListing, AccessListingItems } from '../../../src/targets/bitbucket/access-reads';
import { ACCESS_READ_OPERATIONS, BitbucketAccessReader } from '../../../src/targets/bitbucket/access-reads';
import { TargetError } from '../../../src/targets/ports';
import { clientHarness } from '../../support/client-harness';
import { rejectionOf } from '../../support/outcomes';
import { BITBUCKET_API, BITBUCKET_CREDENTIALS, expectNoViolations } from '../support/harness';

function setup(rateLimit?: { limit: number; windowMs: number }) {
  const clock = new VirtualClock({ autoAdvance: true });
  const linked = createLinkedEmulators({ clock, bitbucket: { rateLimit: rateLimit ?? false } });
  const plan = planAccessWorkspace({
    ...ISSUE_17_WORKSPACE,
    repositories: 30,
    projects: 3,
    people: 60,
    appGroups: 6,
    foreignGroups: 3,
    userGrants: 250,
  });
  seedAccessLayout(linked.bitbucket.state, plan);
  seedIdpAccounts(linked, plan, 'scim-');
  seedHandMadeAccess(linked, plan, (name) => slugifyGroupName(`scim-${name}`));
  const { recorder, client: reader } = clientHarness({
    clock,
    emulator: () => linked.bitbucket,
    api: BITBUCKET_API,
    client: ({ fetch }) =>
      new BitbucketAccessReader({
        workspace: EMULATED_WORKSPACE_SLUG,
        credentials: () => BITBUCKET_CREDENTIALS,
        fetch,
        clock,
      }),
  });
  return { linked, plan, recorder, reader };
}

async function all<L extends AccessListing>(
  reader: BitbucketAccessReader,
  listing: L,
): Promise<{ items: AccessListingItems[L['list']][]; pages: number }> {
  const items: AccessListingItems[L['list']][] = [];
  let next: string | undefined;
  let pages = 0;
  do {
    const page = await reader.page(listing, next);
    pages += 1;
    items.push(...page.items);
    next = page.next;
  } while (next !== undefined);
  return { items, pages };
}

describe('BitbucketAccessReader against the Bitbucket emulator', () => {
  it('reads every listing of a review page by page, each request and response as the spec describes', async () => {
    const { linked, plan, recorder, reader } = setup();
    const repositories = await all(reader, { list: 'repositories' });
    expect(repositories.items).toHaveLength(30);
    expect(
      repositories.items
        .filter((r) => !r.isPrivate)
        .map((r) => r.slug)
        .sort(),
    ).toEqual(
      plan.repositories
        .filter((r) => !r.isPrivate)
        .map((r) => r.slug)
        .sort(),
    );
    expect((await all(reader, { list: 'projects' })).items.map((p) => p.key)).toEqual(['P0', 'P1', 'P2']);
    expect((await all(reader, { list: 'admins' })).items).toHaveLength(3);
    const members = await all(reader, { list: 'members' });
    expect(members.items).toHaveLength(60 + 5 + 1);
    expect(members.pages).toBe(1);

    const userGrants = plan.userGrants.filter((g) => g.kind === 'repository');
    const busiest = [...new Set(userGrants.map((g) => g.target))]
      .map((t) => ({ t, n: userGrants.filter((g) => g.target === t).length }))
      .sort((a, b) => b.n - a.n)[0];
    if (busiest === undefined) throw new Error('no user grants');
    const grants = await all(reader, { list: 'user-grants', target: { type: 'repository', id: busiest.t } });
    expect(grants.items).toHaveLength(busiest.n);
    const project = plan.foreignGroupGrants.find((g) => g.kind === 'project');
    if (project !== undefined) {
      const groups = await all(reader, { list: 'group-grants', target: { type: 'project', id: project.target } });
      expect(groups.items).toContainEqual({
        groupSlug: slugifyGroupName(project.group),
        groupName: project.group,
        level: project.level,
      });
    }
    await all(reader, { list: 'group-grants', target: { type: 'repository', id: busiest.t } });
    await all(reader, { list: 'user-grants', target: { type: 'project', id: 'P0' } });

    const effective = await all(reader, { list: 'effective' });
    // Three admins reach every repository at admin.
    expect(effective.items.filter((e) => e.level === 'admin').length).toBeGreaterThanOrEqual(90);
    expect(effective.pages).toBe(Math.ceil(effective.items.length / 100));
    expectNoViolations(linked.bitbucket, recorder);
  });

  it('removes a direct grant, also of someone no longer a member', async () => {
    const { linked, plan, recorder, reader } = setup();
    const grant = plan.userGrants.find((g) => plan.leavers.includes(g.email));
    if (grant === undefined) throw new Error('no leaver grant');
    const user = [...linked.admin.state.users.values()].find((u) => u.email === grant.email);
    if (user === undefined) throw new Error('no account');
    user.membershipStatus = 'suspended';
    const before = linked.bitbucket.state.userPermissions.size;
    await reader.deleteUserGrant({ type: grant.kind, id: grant.target }, user.accountId);
    expect(linked.bitbucket.state.userPermissions.size).toBe(before - 1);
    expectNoViolations(linked.bitbucket, recorder);
  });

  it('gives up on a rate limit within its short retry budget instead of holding the invocation', async () => {
    const { reader } = setup({ limit: 2, windowMs: 3_600_000 });
    await reader.page({ list: 'projects' });
    await reader.page({ list: 'projects' });
    const error = await rejectionOf(reader.page({ list: 'projects' }));
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).kind).toBe('rate-limited');
  });

  it('calls only current operations, and reads only through operations Forge could call too', () => {
    for (const op of Object.values(ACCESS_READ_OPERATIONS)) {
      const found = validatorFor('bitbucket-cloud').operation(op.method, op.pathTemplate);
      expect({ key: op.key, exists: found !== undefined, deprecated: found?.operation.deprecated === true }).toEqual({
        key: op.key,
        exists: true,
        deprecated: false,
      });
      const auth = found?.operation['x-atlassian-auth-types'];
      expect(auth).toContain('api-token');
      if (op.method === 'GET') expect(auth).toContain('forge-oauth2');
    }
  });
});
