import { AdminApiEmulator } from '../../emulators/admin-api/admin-emulator';
import { BitbucketEmulator } from '../../emulators/bitbucket/bitbucket-emulator';
import type { SpecName } from '../../emulators/openapi/load-spec';
import { validatorFor } from '../../emulators/openapi/validator';
import { EMULATED_DIRECTORY_ID, EMULATED_ORG_ID } from '../../emulators/seed';
import { adminRequest } from './support/exchange';

function servedAgainst(
  served: readonly string[],
  spec: SpecName,
): Array<{ key: string; exists: boolean; deprecated: boolean }> {
  const validator = validatorFor(spec);
  return served.map((key) => {
    const [method = '', template = ''] = key.split(' ');
    const operation = validator.operation(method, template);
    return { key, exists: operation !== undefined, deprecated: operation?.operation.deprecated === true };
  });
}

describe('coverage guard: every operation the emulators serve is current', () => {
  it('serves only Admin API operations that exist in the current organization spec and are not deprecated', () => {
    const served = new AdminApiEmulator().servedOperations();
    expect(served.length).toBeGreaterThan(0);
    for (const entry of servedAgainst(served, 'admin-organization'))
      expect(entry).toEqual({ key: entry.key, exists: true, deprecated: false });
    // The one v1 operation served is the domains list, which the current spec offers as v1 only (not deprecated).
    expect(served.filter((key) => key.includes(' /v1/'))).toEqual(['GET /v1/orgs/{orgId}/domains']);
  });

  it('serves only Bitbucket operations that exist in the Bitbucket spec and are not deprecated', () => {
    const served = new BitbucketEmulator().servedOperations();
    expect(served.length).toBeGreaterThan(0);
    for (const entry of servedAgainst(served, 'bitbucket-cloud'))
      expect(entry).toEqual({ key: entry.key, exists: true, deprecated: false });
  });

  it('would notice a deprecated operation: the deprecated v2 group list is flagged', () => {
    expect(servedAgainst(['GET /v2/orgs/{orgId}/directories/{directoryId}/groups'], 'admin-organization')).toEqual([
      { key: 'GET /v2/orgs/{orgId}/directories/{directoryId}/groups', exists: true, deprecated: true },
    ]);
  });
});

describe('removed v1 endpoints', () => {
  const v1GroupCreate = `/v1/orgs/${EMULATED_ORG_ID}/directory/groups`;

  it('knows the v1 group create only from the 2026-06 copy of the spec', () => {
    expect(validatorFor('admin-organization-2026-06').match('POST', v1GroupCreate).kind).toBe('matched');
    expect(validatorFor('admin-organization').match('POST', v1GroupCreate).kind).toBe('no-path');
  });

  it('rejects a v1 call with 404 and records it as a request violation', async () => {
    const emulator = new AdminApiEmulator();
    const response = await emulator.handle(adminRequest('POST', v1GroupCreate, { name: 'legacy' }));
    expect(response.status).toBe(404);
    expect(emulator.violations).toEqual([
      expect.objectContaining({
        api: 'admin',
        side: 'request',
        method: 'POST',
        path: v1GroupCreate,
        operation: undefined,
      }),
    ]);
    expect(emulator.state.groups.size).toBe(0);
    expect(emulator.writeLog).toEqual([]);
  });

  it('rejects a deprecated v2 list the app must not use, as not emulated', async () => {
    const emulator = new AdminApiEmulator();
    const path = `/v2/orgs/${EMULATED_ORG_ID}/directories/${EMULATED_DIRECTORY_ID}/groups`;
    const response = await emulator.handle(adminRequest('GET', path));
    expect(response.status).toBe(404);
    expect(emulator.violations[0]?.messages.join(' ')).toMatch(/not emulated/);
  });
});
