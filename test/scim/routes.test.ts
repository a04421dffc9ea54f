/**
 * Which endpoint answers which method and path (RFC 7644 section 3.2): the routes, the 405s with their Allow header
 * (RFC 9110 section 15.5.6), the 404s for paths no route owns and the 501s for /Me and /Bulk, through the service.
 */
import { startTestScim, type TestScim } from '../support/test-scim';

interface Expectation {
  readonly status: number;
  readonly allow?: string;
  readonly detail?: string;
}

const GET_POST = 'GET, POST';
const BY_ID = 'GET, PUT, PATCH, DELETE';

const CASES: readonly (readonly [string, string, Expectation])[] = [
  ['GET', '/', { status: 404, detail: 'No resource at the service root; see /ServiceProviderConfig' }],
  ['GET', '/Users', { status: 200 }],
  ['get', '/users/', { status: 200 }],
  ['GET', '//Users', { status: 200 }],
  ['PUT', '/Users', { status: 405, allow: GET_POST }],
  ['DELETE', '/Groups', { status: 405, allow: GET_POST }],
  ['GET', '/Users/.search', { status: 405, allow: 'POST' }],
  ['DELETE', '/Groups/.SEARCH', { status: 405, allow: 'POST' }],
  ['POST', '/Users/some-id', { status: 405, allow: BY_ID }],
  ['GET', '/Users/some-id', { status: 404, detail: 'User some-id not found' }],
  ['GET', '/Groups/some%20id', { status: 404, detail: 'Group some id not found' }],
  ['DELETE', '/Users/missing', { status: 404, detail: 'User missing not found' }],
  ['GET', '/Users/a/b', { status: 404, detail: 'No resource at /Users/a/b' }],
  ['GET', '/Users/%E0%A4%A', { status: 404, detail: 'The path is not a valid URL path' }],
  ['GET', '/.search', { status: 405, allow: 'POST' }],
  ['POST', '/.search/x', { status: 404, detail: 'No resource at /.search/x' }],
  ['GET', '/ServiceProviderConfig', { status: 200 }],
  ['GET', '/serviceConfiguration', { status: 200 }],
  ['POST', '/ServiceProviderConfig', { status: 405, allow: 'GET' }],
  ['GET', '/ServiceProviderConfig/x', { status: 404, detail: 'No resource at /ServiceProviderConfig/x' }],
  ['GET', '/ResourceTypes', { status: 200 }],
  ['GET', '/ResourceTypes/user', { status: 200 }],
  ['GET', '/ResourceTypes/Device', { status: 404, detail: 'No resource type Device' }],
  ['DELETE', '/ResourceTypes', { status: 405, allow: 'GET' }],
  ['DELETE', '/ResourceTypes/User', { status: 405, allow: 'GET' }],
  ['GET', '/Schemas', { status: 200 }],
  ['GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group', { status: 200 }],
  ['PATCH', '/Schemas/urn:nope', { status: 405, allow: 'GET' }],
  ['GET', '/Me', { status: 501 }],
  ['DELETE', '/Me/x', { status: 501 }],
  ['POST', '/Bulk', { status: 501 }],
  ['GET', '/Bulk/x', { status: 501 }],
  ['GET', '/Bulk/x/y', { status: 404, detail: 'No resource at /Bulk/x/y' }],
  ['GET', '/Devices', { status: 404, detail: 'No resource at /Devices' }],
];

describe('SCIM routes', () => {
  let scim: TestScim;

  beforeAll(async () => {
    scim = await startTestScim();
  });

  afterAll(async () => {
    expect(scim.errors).toEqual([]);
    await scim.close();
  });

  it.each(CASES)('%s %s', async (method, path, expected) => {
    const response = await scim.call(method, path);
    expect(response.status).toBe(expected.status);
    expect(response.headers.allow).toBe(expected.allow);
    if (expected.detail !== undefined) expect(response.body.detail).toBe(expected.detail);
  });
});
