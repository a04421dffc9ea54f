import { AdminApiEmulator } from '../../emulators/admin-api/admin-emulator';
import { BitbucketEmulator } from '../../emulators/bitbucket/bitbucket-emulator';
import { stringResponse } from '../../emulators/emulator-fetch';
import { validatorFor } from '../../emulators/openapi/validator';
import { EMULATED_BITBUCKET_RESOURCE_ID } from '../../emulators/seed';
import { ADMIN_API_OPERATIONS } from '../../src/targets/admin-api/admin-api-operations';
import { BITBUCKET_OPERATIONS } from '../../src/targets/bitbucket/bitbucket-client';
import type { ApiOperation } from '../../src/targets/http/api-operation';
import { apiOperation } from '../../src/targets/http/api-operation';
import { seedDirectoryUser } from '../support/admin-seeds';
import { ValidatingRecorder } from '../support/validating-recorder';
import { ADMIN_API, adminHarness, bitbucketHarness, expectNoViolations } from './support/harness';

const adminOperations: ApiOperation[] = Object.values(ADMIN_API_OPERATIONS);
const bitbucketOperations: ApiOperation[] = Object.values(BITBUCKET_OPERATIONS);

function status(spec: 'admin-organization' | 'admin-organization-2026-06' | 'bitbucket-cloud', op: ApiOperation) {
  const found = validatorFor(spec).operation(op.method, op.pathTemplate);
  return { key: op.key, exists: found !== undefined, deprecated: found?.operation.deprecated === true };
}

describe('coverage guard: every operation the clients can call is current', () => {
  it.each(adminOperations.map((op) => [op.key, op] as const))(
    'Admin API %s exists in admin-organization-openapi.json and is not deprecated',
    (_key, op) => {
      expect(status('admin-organization', op)).toEqual({ key: op.key, exists: true, deprecated: false });
    },
  );

  it.each(bitbucketOperations.map((op) => [op.key, op] as const))(
    'Bitbucket %s exists in bitbucket-cloud-openapi.json and is not deprecated',
    (_key, op) => {
      expect(status('bitbucket-cloud', op)).toEqual({ key: op.key, exists: true, deprecated: false });
    },
  );

  it('calls nothing that exists only in the 2026-06 organization spec, and no v1 path but the domains list (current, and v1 only)', () => {
    const onlyOld = validatorFor('admin-organization-2026-06')
      .operations()
      .filter((op) => validatorFor('admin-organization').operation(op.method, op.pathTemplate) === undefined)
      .map((op) => op.key);
    expect(onlyOld.length).toBeGreaterThan(0);
    expect(adminOperations.filter((op) => onlyOld.includes(op.key))).toEqual([]);
    expect(adminOperations.filter((op) => op.pathTemplate.startsWith('/v1/')).map((op) => op.key)).toEqual([
      'GET /v1/orgs/{orgId}/domains',
    ]);
  });

  it('writes permissions only through operations that take an API token (Basic auth)', () => {
    for (const op of [
      BITBUCKET_OPERATIONS.putRepositoryGroupPermission,
      BITBUCKET_OPERATIONS.deleteProjectGroupPermission,
    ]) {
      expect(
        validatorFor('bitbucket-cloud').operation(op.method, op.pathTemplate)?.operation['x-atlassian-auth-types'],
      ).toEqual(['api-token']);
    }
    for (const op of bitbucketOperations) {
      expect(
        validatorFor('bitbucket-cloud').operation(op.method, op.pathTemplate)?.operation['x-atlassian-auth-types'],
      ).toContain('api-token');
    }
  });

  it('would notice a deprecated or removed operation', () => {
    expect(
      status('admin-organization', apiOperation('GET', '/v2/orgs/{orgId}/directories/{directoryId}/groups')),
    ).toMatchObject({ exists: true, deprecated: true });
    expect(status('admin-organization', apiOperation('POST', '/v1/orgs/{orgId}/directory/groups'))).toMatchObject({
      exists: false,
    });
    expect(
      status('admin-organization-2026-06', apiOperation('POST', '/v1/orgs/{orgId}/directory/groups')),
    ).toMatchObject({ exists: true });
  });

  it('lists only operations the emulators serve, so the contract tests can reach every one', () => {
    expect(new AdminApiEmulator().servedOperations()).toEqual(
      expect.arrayContaining(adminOperations.map((op) => op.key)),
    );
    const served = new BitbucketEmulator().servedOperations();
    expect(served).toEqual(expect.arrayContaining(bitbucketOperations.map((op) => op.key)));
  });
});

describe('coverage guard: the operation tables are complete', () => {
  it('every AdminDirectory method sends only listed operations, and together they use all of them', async () => {
    const { emulator, client, recorder } = adminHarness();
    const user = seedDirectoryUser(emulator, '712020:cover', 'cover@corp.example');
    await client.listDirectories();
    await client.findAccountsByEmail([user.email]);
    const group = await client.createGroup('scim-cover');
    await client.createGroup('scim-cover');
    await client.findGroupByName('scim-cover');
    await client.addMember(group.id, user.accountId);
    await client.addMember(group.id, user.accountId);
    await client.listGroupMembers(group.id);
    await client.removeMember(group.id, user.accountId);
    await client.removeMember(group.id, user.accountId);
    await client.assignGroupRole(group.id, EMULATED_BITBUCKET_RESOURCE_ID, 'atlassian/user');
    await client.getGroupRoles(group.id);
    await client.revokeGroupRole(group.id, EMULATED_BITBUCKET_RESOURCE_ID, 'atlassian/user');
    await client.inviteUsers(['cover2@corp.example'], {
      resourceId: EMULATED_BITBUCKET_RESOURCE_ID,
      roleId: 'atlassian/user',
      groupIds: [group.id],
    });
    await client.suspendUser(user.accountId);
    await client.restoreUser(user.accountId);
    await client.removeUser(user.accountId);
    await client.deleteGroup(group.id);
    await client.deleteGroup(group.id);
    await client.listVerifiedDomains();
    expect([...recorder.operations()].sort()).toEqual(adminOperations.map((op) => op.key).sort());
    expectNoViolations(emulator, recorder);
  });

  it('every BitbucketPermissions method sends only listed operations, and together they use all of them', async () => {
    const { emulator, client, recorder } = bitbucketHarness();
    emulator.state.groups.push({ slug: 'cover', name: 'cover' });
    await client.listProjects();
    await client.listRepositories();
    await client.findMembersByEmail(['admin@emulated.example']);
    await client.putRepositoryGroupPermission('web-app', 'cover', 'read');
    await client.listRepositoryGroupPermissions('web-app');
    await client.deleteRepositoryGroupPermission('web-app', 'cover');
    await client.putProjectGroupPermission('WEB', 'cover', 'read');
    await client.listProjectGroupPermissions('WEB');
    await client.deleteProjectGroupPermission('WEB', 'cover');
    expect([...recorder.operations()].sort()).toEqual(bitbucketOperations.map((op) => op.key).sort());
    expectNoViolations(emulator, recorder);
  });
});

describe('the validating recorder', () => {
  it('flags a request the spec does not describe and a success body that breaks the schema', async () => {
    const recorder = new ValidatingRecorder(
      async () => stringResponse(200, { 'content-type': 'application/json' }, '{"data":"not a list"}'),
      [ADMIN_API],
    );
    const headers = { authorization: 'Bearer k', 'content-type': 'application/json' };
    await recorder.fetch(`${ADMIN_API.baseUrl}/v1/orgs/o/directory/groups`, {
      method: 'POST',
      headers,
      body: '{"name":"x"}',
    });
    await recorder.fetch(`${ADMIN_API.baseUrl}/v2/orgs/o/directories/d/groups/search`, {
      method: 'POST',
      headers,
      body: '{"groupNames":["x"],"limit":500}',
    });
    expect(recorder.violations).toEqual([
      expect.stringContaining('request: POST /v1/orgs/o/directory/groups'),
      expect.stringMatching(/^request: .*limit/),
      expect.stringMatching(/^response: .*data/),
    ]);
  });
});
