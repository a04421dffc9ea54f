/** peekBody (src/scim/request-body.ts): the body as a handler would read it, or undefined where the service refuses it. */
import { ScimError } from '../../src/scim/errors';
import { MAX_JSON_DEPTH } from '../../src/scim/json-depth';
import type { ScimRequest } from '../../src/scim/protocol';
import { checkRequestBody, parseBody, peekBody } from '../../src/scim/request-body';

function request(body: string | undefined, contentType = 'application/scim+json'): ScimRequest {
  const headers = { 'content-type': [contentType] };
  return { method: 'PATCH', path: '/Groups/g1', query: {}, headers, body, baseUrl: 'https://scim.test' };
}

it('reads a body the service takes, and nothing it refuses, by the same checks', () => {
  const body = JSON.stringify({ Operations: [{ op: 'add', path: 'members', value: [{ value: 'u1' }] }] });
  const limit = Buffer.byteLength(body);
  expect(peekBody(request(body), limit)).toEqual(JSON.parse(body));
  const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
  const refused: [ScimRequest, number][] = [
    [request(body), limit - 1],
    [request(body, 'text/plain'), limit],
    [request(deep), 1_000],
    [request('{not json'), 1_000],
    [request(undefined), 1_000],
  ];
  for (const [each, max] of refused) {
    expect(peekBody(each, max)).toBeUndefined();
    // The service refuses each of them with a SCIM error (RFC 7644 section 3.12), not by crashing.
    let thrown: unknown;
    try {
      checkRequestBody(each, max);
      parseBody(each);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScimError);
  }
});
