import { createLinkedEmulators } from '../../emulators/linked-emulators';
import { slugifyGroupName } from '../../emulators/bitbucket/bitbucket-state';
import {
  EMULATED_BITBUCKET_RESOURCE_ID,
  EMULATED_DIRECTORY_ID,
  EMULATED_ORG_ID,
  EMULATED_WORKSPACE_SLUG,
} from '../../emulators/seed';
import { adminRequest, bitbucketRequest, exchange, list, text } from './support/exchange';

const DIR = `/v2/orgs/${EMULATED_ORG_ID}/directories/${EMULATED_DIRECTORY_ID}`;

describe('linked Admin API and Bitbucket emulators', () => {
  it('makes an invited user with Bitbucket access a workspace member, found by email', async () => {
    const { admin, bitbucket } = createLinkedEmulators();
    await exchange(
      admin,
      'admin-organization',
      adminRequest('POST', `/v2/orgs/${EMULATED_ORG_ID}/users/invite`, {
        emails: ['linked@corp.example'],
        permissionRules: [{ resource: EMULATED_BITBUCKET_RESOURCE_ID, role: 'atlassian/user' }],
      }),
    );
    const members = await exchange(
      bitbucket,
      'bitbucket-cloud',
      bitbucketRequest('GET', `/2.0/workspaces/${EMULATED_WORKSPACE_SLUG}/members`, undefined, {
        q: ['user.email IN ("linked@corp.example")'],
      }),
    );
    expect(list(members.json, 'values')).toHaveLength(1);
  });

  it('exposes an organization group to permissions-config under its derived slug, and drops its grants when it is deleted', async () => {
    const { admin, bitbucket } = createLinkedEmulators();
    await exchange(admin, 'admin-organization', adminRequest('POST', `${DIR}/groups`, { name: 'SCIM: Platform Devs' }));
    const slug = slugifyGroupName('SCIM: Platform Devs');
    expect(slug).toBe('scim-platform-devs');
    const path = `/2.0/repositories/${EMULATED_WORKSPACE_SLUG}/platform-api/permissions-config/groups/${slug}`;
    const put = await exchange(bitbucket, 'bitbucket-cloud', bitbucketRequest('PUT', path, { permission: 'write' }));
    expect(text(put.json, 'group', 'name')).toBe('SCIM: Platform Devs');

    const found = await exchange(
      admin,
      'admin-organization',
      adminRequest('POST', `${DIR}/groups/search`, { groupNames: ['SCIM: Platform Devs'] }),
    );
    await exchange(
      admin,
      'admin-organization',
      adminRequest('DELETE', `${DIR}/groups/${text(found.json, 'data', 0, 'id')}`),
    );
    const listed = await exchange(
      bitbucket,
      'bitbucket-cloud',
      bitbucketRequest('GET', `/2.0/repositories/${EMULATED_WORKSPACE_SLUG}/platform-api/permissions-config/groups`),
    );
    expect(list(listed.json, 'values')).toEqual([]);
    expect((await exchange(bitbucket, 'bitbucket-cloud', bitbucketRequest('GET', path))).status).toBe(404);
  });

  it('can require the Bitbucket role before a group is visible to Bitbucket', async () => {
    const { admin, bitbucket } = createLinkedEmulators({ groupsNeedBitbucketRole: true });
    await exchange(admin, 'admin-organization', adminRequest('POST', `${DIR}/groups`, { name: 'gated' }));
    const path = `/2.0/workspaces/${EMULATED_WORKSPACE_SLUG}/projects/PLAT/permissions-config/groups/gated`;
    expect(
      (await exchange(bitbucket, 'bitbucket-cloud', bitbucketRequest('PUT', path, { permission: 'read' }))).status,
    ).toBe(404);
    const id = text(
      (
        await exchange(
          admin,
          'admin-organization',
          adminRequest('POST', `${DIR}/groups/search`, { groupNames: ['gated'] }),
        )
      ).json,
      'data',
      0,
      'id',
    );
    await exchange(
      admin,
      'admin-organization',
      adminRequest('POST', `${DIR}/groups/${id}/role-assignments/assign`, {
        resourceId: EMULATED_BITBUCKET_RESOURCE_ID,
        roleId: 'atlassian/user',
      }),
    );
    expect(
      (await exchange(bitbucket, 'bitbucket-cloud', bitbucketRequest('PUT', path, { permission: 'read' }))).status,
    ).toBe(200);
  });

  it('can give org groups slugs by another rule than the app computes (the Diagnostics slug check fails on it)', async () => {
    const { admin, bitbucket } = createLinkedEmulators({
      groupSlugOf: (name, id) => `${slugifyGroupName(name)}-${id.slice(0, 8)}`,
    });
    await exchange(admin, 'admin-organization', adminRequest('POST', `${DIR}/groups`, { name: 'scim-sync-probe' }));
    const id = text(
      (
        await exchange(
          admin,
          'admin-organization',
          adminRequest('POST', `${DIR}/groups/search`, { groupNames: ['scim-sync-probe'] }),
        )
      ).json,
      'data',
      0,
      'id',
    );
    const at = (slug: string): string =>
      `/2.0/repositories/${EMULATED_WORKSPACE_SLUG}/web-app/permissions-config/groups/${slug}`;
    expect(
      (
        await exchange(
          bitbucket,
          'bitbucket-cloud',
          bitbucketRequest('PUT', at('scim-sync-probe'), { permission: 'read' }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await exchange(
          bitbucket,
          'bitbucket-cloud',
          bitbucketRequest('PUT', at(`scim-sync-probe-${id.slice(0, 8)}`), { permission: 'read' }),
        )
      ).status,
    ).toBe(200);
  });

  it('shares one clock between the two', () => {
    const { admin, bitbucket, clock } = createLinkedEmulators();
    expect(admin.clock).toBe(clock);
    expect(bitbucket.clock).toBe(clock);
  });
});

describe('slugifyGroupName (assumed rule)', () => {
  it('keeps ASCII letters and digits, folds accents, and cuts at 62 characters', () => {
    expect(slugifyGroupName('Équipe  Développement!')).toBe('equipe-developpement');
    expect(slugifyGroupName('x'.repeat(70))).toHaveLength(62);
    expect(slugifyGroupName('---')).toBe('');
  });
});
