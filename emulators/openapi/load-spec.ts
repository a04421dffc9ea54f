/**
 * Loads the vendored OpenAPI files (the repository's specs/ folder) once per process and applies, in memory,
 * the corrections that specs/README.md lists under "Known defects". The files themselves are never edited, so
 * they stay comparable with their public origin.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { discoveryToOpenApi, type TranslatedDiscovery } from '../google/discovery-to-openapi';
import type { JsonObject, OpenApiDocument } from './openapi-types';
import { isJsonObject } from './openapi-types';

/** The vendored specs the emulators and contract tests know by name. */
export type SpecName =
  | 'bitbucket-cloud'
  | 'admin-organization'
  | 'admin-organization-2026-06'
  | 'admin-user-management'
  | 'google-admin-directory';

/** File name of each spec inside the specs folder. */
export const SPEC_FILES: Readonly<Record<SpecName, string>> = {
  'bitbucket-cloud': 'bitbucket-cloud-openapi.json',
  'admin-organization': 'admin-organization-openapi.json',
  'admin-organization-2026-06': 'admin-organization-openapi-2026-06.json',
  'admin-user-management': 'admin-user-management-openapi.json',
  'google-admin-directory': 'google-admin-directory-v1-discovery.json',
};

/** Environment variable that points at another copy of the specs folder. */
export const SPECS_DIR_VARIABLE = 'BITBUCKET_SCIM_SYNC_SPECS_DIR';

/** The folder holding the vendored specs: specs/ at the repository root, unless overridden. */
export function specsDirectory(): string {
  return process.env[SPECS_DIR_VARIABLE] ?? path.resolve(__dirname, '..', '..', 'specs');
}

const loaded = new Map<SpecName, OpenApiDocument>();
let discovery: TranslatedDiscovery | undefined;

/** Google's Directory API discovery document translated to OpenAPI 3.0 (emulators/google/discovery-to-openapi.ts), with its method index. */
export function loadGoogleDiscovery(): TranslatedDiscovery {
  if (discovery === undefined) {
    const raw: unknown = JSON.parse(
      readFileSync(path.join(specsDirectory(), SPEC_FILES['google-admin-directory']), 'utf8'),
    );
    if (!isJsonObject(raw) || raw.kind !== 'discovery#restDescription')
      throw new Error(`${SPEC_FILES['google-admin-directory']} is not a discovery document`);
    discovery = discoveryToOpenApi(raw);
  }
  return discovery;
}

/** Returns the named spec with its corrections applied; parsed on first use and shared afterwards. */
export function loadSpec(name: SpecName): OpenApiDocument {
  const cached = loaded.get(name);
  if (cached !== undefined) return cached;
  if (name === 'google-admin-directory') {
    const document = loadGoogleDiscovery().document;
    loaded.set(name, document);
    return document;
  }
  const raw: unknown = JSON.parse(readFileSync(path.join(specsDirectory(), SPEC_FILES[name]), 'utf8'));
  if (!isJsonObject(raw) || !isJsonObject(raw.paths)) throw new Error(`${SPEC_FILES[name]} is not an OpenAPI document`);
  correctSpec(name, raw);
  const document = raw as unknown as OpenApiDocument;
  loaded.set(name, document);
  return document;
}

/** Applies the README's corrections for `name` to a freshly parsed document, in place. */
export function correctSpec(name: SpecName, document: JsonObject): void {
  switch (name) {
    case 'admin-organization':
    case 'admin-organization-2026-06':
      correctOrganizationSpec(document);
      return;
    case 'admin-user-management':
      correctUserManagementSpec(document);
      return;
    case 'bitbucket-cloud':
    case 'google-admin-directory':
      return;
  }
}

function child(parent: JsonObject | undefined, ...keys: string[]): JsonObject | undefined {
  let node: JsonObject | undefined = parent;
  for (const key of keys) {
    const next: unknown = node?.[key];
    node = isJsonObject(next) ? next : undefined;
  }
  return node;
}

function correctOrganizationSpec(document: JsonObject): void {
  // `_meta` was added by the upstream copier and is not an `x-` extension.
  delete document._meta;

  // `"type": "GroupCounts"` next to a $ref is not a JSON Schema type; ajv refuses to compile it.
  const counts = child(
    document,
    'components',
    'schemas',
    'MultiDirectoryGroupDetails',
    'properties',
    'data',
    'properties',
    'counts',
  );
  if (counts !== undefined && typeof counts.$ref === 'string') delete counts.type;

  // The path says {userId} while the shared parameter says accountId, so the segment never binds.
  const userDetails = child(document, 'paths', '/v2/orgs/{orgId}/directories/{directoryId}/users/{userId}', 'get');
  const parameters = userDetails?.parameters;
  if (userDetails !== undefined && Array.isArray(parameters)) {
    userDetails.parameters = parameters.map((parameter) =>
      isJsonObject(parameter) && parameter.$ref === '#/components/parameters/accountIdParam'
        ? { in: 'path', name: 'userId', required: true, schema: { type: 'string' } }
        : parameter,
    );
  }

  // Account IDs are not always UUIDs (the user management spec's example is `557057:…`).
  for (const action of ['assign', 'revoke']) {
    const operation = child(document, 'paths', `/v1/orgs/{orgId}/users/{userId}/roles/${action}`, 'post');
    const list = operation?.parameters;
    if (!Array.isArray(list)) continue;
    for (const parameter of list) {
      const schema = isJsonObject(parameter) && parameter.name === 'userId' ? child(parameter, 'schema') : undefined;
      if (schema !== undefined) delete schema.format;
    }
  }
}

function correctUserManagementSpec(document: JsonObject): void {
  delete document._meta;
  // The pattern ends in a newline, so every real account ID fails it.
  const accountId = child(document, 'components', 'schemas', 'AccountId');
  if (accountId !== undefined && typeof accountId.pattern === 'string')
    accountId.pattern = accountId.pattern.replace(/\n$/, '');
}
