/** The SCIM route table (src/scim/router.ts): every line reachable, and the write each request makes for the audit step. */
import type { ScimRequest } from '../../src/scim/protocol';
import { matchRoute } from '../../src/scim/route-matching';
import { SCIM_ROUTES, scimWriteOf } from '../../src/scim/router';

function request(method: string, path: string): ScimRequest {
  return { method, path, query: {}, headers: {}, body: undefined, baseUrl: 'https://scim.test/scim/v2' };
}

describe('SCIM route table', () => {
  it('reaches every line: no earlier pattern shadows a later one', () => {
    for (const line of SCIM_ROUTES) {
      const method = line.method === '*' ? 'OPTIONS' : line.method;
      const match = matchRoute(SCIM_ROUTES, method, line.path.replace('{id}', 'some-id'));
      expect(match).toMatchObject({ kind: 'matched', route: line });
    }
  });

  it('names one handler per method and pattern', () => {
    const keys = SCIM_ROUTES.map((line) => `${line.method} ${line.path.toLowerCase()}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each([
    ['POST', '/Users', { operation: 'create', resourceType: 'User' }],
    ['POST', '/groups/', { operation: 'create', resourceType: 'Group' }],
    ['PUT', '/Users/a%2Fb', { operation: 'replace', resourceType: 'User', id: 'a/b' }],
    ['patch', '/Groups/g1', { operation: 'patch', resourceType: 'Group', id: 'g1' }],
    ['DELETE', '//Users//u1', { operation: 'delete', resourceType: 'User', id: 'u1' }],
  ])('%s %s is a write', (method, path, write) => {
    expect(scimWriteOf(request(method, path))).toEqual(write);
  });

  it.each([
    ['GET', '/Users/u1'],
    ['POST', '/Users/.search'],
    ['POST', '/.search'],
    ['PUT', '/Users'],
    ['POST', '/Users/u1'],
    ['DELETE', '/Users/u1/x'],
    ['DELETE', '/Users/%E0%A4%A'],
    ['POST', '/Bulk'],
    ['DELETE', '/Schemas/x'],
  ])('%s %s is no write', (method, path) => {
    expect(scimWriteOf(request(method, path))).toBeUndefined();
  });
});
