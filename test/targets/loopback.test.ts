import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findUserByEmail } from '../../emulators/admin-api/admin-state';
import { ADMIN_PREFIX, BITBUCKET_PREFIX, mountEmulators } from '../../emulators/http';
import { createLinkedEmulators } from '../../emulators/linked-emulators';
import type { LinkedEmulators } from '../../emulators/linked-emulators';
import { EMULATED_BITBUCKET_RESOURCE_ID } from '../../emulators/seed';
import { VirtualClock } from '../../emulators/virtual-clock';
import type { AdminApiClient } from '../../src/targets/admin-api/admin-api-client';
import { ADMIN_API_OPERATIONS } from '../../src/targets/admin-api/admin-api-operations';
import type { BitbucketClient } from '../../src/targets/bitbucket/bitbucket-client';
import { groupSlugFor, orgGroupNameFor } from '../../src/targets/group-slug';
import { rejectionOf } from '../support/outcomes';
import { ValidatingRecorder } from '../support/validating-recorder';
import { testAdminClient, testBitbucketClient } from './support/harness';

describe('both clients over loopback HTTP, against linked emulators mounted on a node:http server', () => {
  let server: Server;
  let emulators: LinkedEmulators;
  let recorder: ValidatingRecorder;
  let admin: AdminApiClient;
  let bitbucket: BitbucketClient;

  beforeEach(async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    emulators = createLinkedEmulators({ clock });
    server = createServer();
    mountEmulators(server, { admin: emulators.admin, bitbucket: emulators.bitbucket });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const adminBase = `${origin}${ADMIN_PREFIX}`;
    const bitbucketBase = `${origin}${BITBUCKET_PREFIX}`;
    recorder = new ValidatingRecorder(fetch, [
      { baseUrl: adminBase, spec: 'admin-organization' },
      { baseUrl: bitbucketBase, spec: 'bitbucket-cloud', serverPath: '/2.0' },
    ]);
    admin = testAdminClient(recorder.fetch, clock, { baseUrl: adminBase });
    bitbucket = testBitbucketClient(recorder.fetch, clock, { baseUrl: bitbucketBase, pageLength: 1 });
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(recorder.violations).toEqual([]);
    expect(emulators.admin.violations).toEqual([]);
    expect(emulators.bitbucket.violations).toEqual([]);
  });

  it('creates a group, gives it Bitbucket access and a member, and grants it a repository by its derived slug', async () => {
    const name = orgGroupNameFor('Platform Devs', 'scim');
    const group = await admin.createGroup(name);
    await admin.assignGroupRole(group.id, EMULATED_BITBUCKET_RESOURCE_ID, 'atlassian/user');
    const [outcome] = await admin.inviteUsers(['dev@corp.example'], {
      resourceId: EMULATED_BITBUCKET_RESOURCE_ID,
      roleId: 'atlassian/user',
      groupIds: [group.id],
    });
    expect(outcome).toEqual({
      email: 'dev@corp.example',
      accountId: findUserByEmail(emulators.admin.state, 'dev@corp.example')?.accountId,
      failedGroupIds: [],
    });
    expect(await admin.listGroupMembers(group.id)).toEqual([outcome?.accountId]);

    expect(await bitbucket.findMembersByEmail(['dev@corp.example'])).toEqual([
      { accountId: outcome?.accountId, email: 'dev@corp.example' },
    ]);
    const slug = groupSlugFor(name);
    expect(slug).toBe(name);
    await bitbucket.putRepositoryGroupPermission('platform-api', slug, 'write');
    await bitbucket.putProjectGroupPermission('PLAT', slug, 'read');
    expect(await bitbucket.listRepositoryGroupPermissions('platform-api')).toEqual([
      { groupSlug: slug, permission: 'write' },
    ]);
    expect(await bitbucket.listProjects()).toHaveLength(2);

    await admin.deleteGroup(group.id);
    expect(await bitbucket.listProjectGroupPermissions('PLAT')).toEqual([]);
  });

  it('reports a socket the server keeps destroying as transient, and retries one it destroyed once', async () => {
    emulators.admin.faults.add({
      match: { pathTemplate: ADMIN_API_OPERATIONS.listDirectories.pathTemplate },
      onCalls: [1, 2, 3, 4, 5, 6],
      fault: { kind: 'drop' },
    });
    const error = await rejectionOf(admin.listDirectories());
    expect(error).toMatchObject({ kind: 'transient', message: expect.stringContaining('connection failed') });
    expect(recorder.exchanges.map((e) => e.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
    expect(await admin.listDirectories()).toHaveLength(1);
    expect(recorder.exchanges.map((e) => e.status).slice(5)).toEqual(['failed', 200]);
  });
});
