import { loadSpec } from '../../../emulators/openapi/load-spec';
import { isJsonObject } from '../../../emulators/openapi/openapi-types';
import type { RequestToValidate } from '../../../emulators/openapi/validator';
import { OpenApiValidator, basicCredentials, validatorFor } from '../../../emulators/openapi/validator';
import { toJsonSchema } from '../../../emulators/openapi/schema-translate';

const BEARER = { authorization: ['Bearer key'] };
const JSON_BEARER = { ...BEARER, 'content-type': ['application/json'] };

function request(method: string, path: string, extra: Partial<RequestToValidate> = {}): RequestToValidate {
  return { method, path, query: {}, headers: BEARER, body: undefined, ...extra };
}

describe('spec loading corrections (specs/README.md, "Known defects")', () => {
  it('drops _meta from the organization specs and the user management spec', () => {
    for (const name of ['admin-organization', 'admin-organization-2026-06', 'admin-user-management'] as const) {
      expect('_meta' in loadSpec(name)).toBe(false);
    }
  });

  it('removes the stray type next to the GroupCounts $ref', () => {
    const data = loadSpec('admin-organization').components?.schemas?.MultiDirectoryGroupDetails?.properties;
    const counts =
      isJsonObject(data) && isJsonObject(data.data) && isJsonObject(data.data.properties)
        ? data.data.properties.counts
        : undefined;
    expect(counts).toEqual({ $ref: '#/components/schemas/GroupCounts' });
  });

  it('binds the {userId} segment of the user details path', () => {
    const validator = validatorFor('admin-organization');
    const check = validator.validateRequest(request('GET', '/v2/orgs/o/directories/d/users/557057:abc'));
    expect(check.errors).toEqual([]);
    expect(check.match.kind === 'matched' && check.match.pathParams).toEqual({
      orgId: 'o',
      directoryId: 'd',
      userId: '557057:abc',
    });
  });

  it('strips the trailing newline from the user management AccountId pattern', () => {
    expect(loadSpec('admin-user-management').components?.schemas?.AccountId?.pattern).toBe('[a-zA-Z0-9_|:-]{1,128}');
  });

  it('loads the 1.2 MB Bitbucket spec once per process', () => {
    expect(loadSpec('bitbucket-cloud')).toBe(loadSpec('bitbucket-cloud'));
    expect(validatorFor('bitbucket-cloud')).toBe(validatorFor('bitbucket-cloud'));
  });
});

describe('OpenAPI 3.0 to JSON Schema translation', () => {
  const rewrite = (ref: string) => ref;

  it('turns nullable into a type union, widening an enum with null', () => {
    expect(toJsonSchema({ type: 'string', enum: ['a'], nullable: true }, rewrite)).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    });
    expect(toJsonSchema({ anyOf: [{ type: 'string' }], nullable: true }, rewrite)).toEqual({
      anyOf: [{ anyOf: [{ type: 'string' }] }, { type: 'null' }],
    });
  });

  it('ignores siblings of $ref and annotation keywords, but keeps properties that share their names', () => {
    expect(toJsonSchema({ $ref: '#/x', type: 'GroupCounts' }, rewrite)).toEqual({ $ref: '#/x' });
    expect(
      toJsonSchema(
        {
          type: 'object',
          readOnly: true,
          discriminator: { propertyName: 'type' },
          properties: { example: { type: 'string', example: 'x' } },
        },
        rewrite,
      ),
    ).toEqual({ type: 'object', properties: { example: { type: 'string' } } });
  });
});

describe('request validation', () => {
  const admin = validatorFor('admin-organization');
  const bitbucket = validatorFor('bitbucket-cloud');

  it('prefers a concrete path over a templated one', () => {
    const match = admin.match('POST', '/v2/orgs/o/directories/d/groups/search');
    expect(match.kind === 'matched' && match.operation.key).toBe(
      'POST /v2/orgs/{orgId}/directories/{directoryId}/groups/search',
    );
  });

  it('reports a method the path does not allow', () => {
    expect(admin.match('PUT', '/v2/orgs/o/directories')).toEqual({ kind: 'no-method', allowed: ['GET'] });
  });

  it('coerces and checks query parameters, and rejects undeclared ones', () => {
    expect(
      admin.validateRequest(
        request('GET', '/v2/orgs/o/directories', { query: { limit: ['100'], directoryIds: ['a', 'b'] } }),
      ).errors,
    ).toEqual([]);
    expect(
      admin.validateRequest(request('GET', '/v2/orgs/o/directories', { query: { limit: ['101'] } })).errors.join(),
    ).toMatch(/limit must be <= 100/);
    expect(
      admin.validateRequest(request('GET', '/v2/orgs/o/directories', { query: { limit: ['1', '2'] } })).errors,
    ).not.toEqual([]);
    expect(
      admin.validateRequest(request('GET', '/v2/orgs/o/directories', { query: { page: ['2'] } })).errors.join(),
    ).toMatch(/page is not described/);
  });

  it("accepts Bitbucket's narrative-wide parameters on collections only", () => {
    const list = '/repositories/w/r/permissions-config/groups';
    const basic = { authorization: [`Basic ${Buffer.from('a@b.example:t').toString('base64')}`] };
    expect(
      bitbucket.validateRequest(
        request('GET', list, { headers: basic, query: { page: ['2'], pagelen: ['50'], fields: ['-links'] } }),
      ).errors,
    ).toEqual([]);
    expect(
      bitbucket.validateRequest(request('GET', `${list}/g`, { headers: basic, query: { page: ['2'] } })).errors.join(),
    ).toMatch(/page is not described/);
  });

  it('checks credentials against the security schemes', () => {
    expect(admin.validateRequest(request('GET', '/v2/orgs/o/directories', { headers: {} })).unauthenticated).toBe(true);
    expect(
      admin.validateRequest(request('GET', '/v2/orgs/o/directories', { headers: { authorization: ['Bearer '] } }))
        .unauthenticated,
    ).toBe(true);
    expect(basicCredentials(`Basic ${Buffer.from('user:').toString('base64')}`)).toBeUndefined();
    expect(basicCredentials(`Basic ${Buffer.from('a@b.example:tok:en').toString('base64')}`)).toEqual({
      user: 'a@b.example',
      password: 'tok:en',
    });
  });

  it('checks the content type, JSON syntax and schema of a body', () => {
    const path = '/v2/orgs/o/directories/d/groups';
    expect(admin.validateRequest(request('POST', path, { headers: JSON_BEARER, body: '{"name":"x"}' })).errors).toEqual(
      [],
    );
    expect(
      admin
        .validateRequest(
          request('POST', path, { headers: { ...BEARER, 'content-type': ['text/plain'] }, body: '{"name":"x"}' }),
        )
        .errors.join(),
    ).toMatch(/content type text\/plain/);
    expect(admin.validateRequest(request('POST', path, { headers: JSON_BEARER, body: '{' })).errors.join()).toMatch(
      /not valid JSON/,
    );
    expect(
      admin.validateRequest(request('POST', path, { headers: JSON_BEARER, body: '{"description":"x"}' })).errors.join(),
    ).toMatch(/required property 'name'/);
    expect(
      admin.validateRequest(request('DELETE', `${path}/g`, { headers: JSON_BEARER, body: '{}' })).errors.join(),
    ).toMatch(/takes no request body/);
  });
});

describe('response validation', () => {
  const admin = validatorFor('admin-organization');
  const op = (method: string, template: string) => {
    const found = admin.operation(method, template);
    if (found === undefined) throw new Error(`${method} ${template} missing`);
    return found;
  };
  const json = { 'content-type': 'application/json' };

  it('rejects a status the operation does not document', () => {
    const create = op('POST', '/v2/orgs/{orgId}/directories/{directoryId}/groups');
    expect(admin.validateResponse(create, { status: 201, headers: {}, body: undefined })).toEqual([]);
    expect(admin.validateResponse(create, { status: 200, headers: {}, body: undefined }).join()).toMatch(
      /not a status the operation documents/,
    );
  });

  it('holds success statuses without documented content to "no body", but lets error bodies through', () => {
    const create = op('POST', '/v2/orgs/{orgId}/directories/{directoryId}/groups');
    expect(admin.validateResponse(create, { status: 201, headers: json, body: '{"id":"x"}' }).join()).toMatch(
      /documents no body/,
    );
    expect(admin.validateResponse(create, { status: 409, headers: json, body: '{"errors":[]}' })).toEqual([]);
  });

  it('checks the body against the status schema, with nullable fields', () => {
    const search = op('POST', '/v2/orgs/{orgId}/directories/{directoryId}/users/search');
    expect(
      admin.validateResponse(search, { status: 200, headers: json, body: '{"data":[{"managementSource":null}]}' }),
    ).toEqual([]);
    expect(
      admin
        .validateResponse(search, { status: 200, headers: json, body: '{"data":[{"managementSource":"magic"}]}' })
        .join(),
    ).toMatch(/managementSource/);
    expect(
      admin.validateResponse(search, { status: 200, headers: { 'content-type': 'text/html' }, body: '<html/>' }).join(),
    ).toMatch(/content type text\/html/);
    expect(admin.validateResponse(search, { status: 200, headers: json, body: undefined }).join()).toMatch(
      /documents a body/,
    );
  });

  it('relaxes required properties for partial responses only', () => {
    const bitbucket = validatorFor('bitbucket-cloud');
    const members = bitbucket.operation('GET', '/workspaces/{workspace}/members');
    if (members === undefined) throw new Error('members missing');
    const partial = { status: 200, headers: json, body: '{"values":[{"user":{"account_id":"a"}}]}' };
    expect(bitbucket.validateResponse(members, partial).join()).toMatch(/required property 'type'/);
    expect(bitbucket.validateResponse(members, partial, { partial: true })).toEqual([]);
    expect(
      bitbucket
        .validateResponse(
          members,
          { ...partial, body: '{"values":[{"links":{"self":{"href":"not a uri"}}}]}' },
          { partial: true },
        )
        .join(),
    ).toMatch(/uri/);
  });

  it('can be built on a document directly', () => {
    const validator = new OpenApiValidator(loadSpec('admin-organization'), { name: 'direct' });
    expect(validator.operations().length).toBe(47);
  });
});
