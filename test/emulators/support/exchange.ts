/**
 * Test helpers: build requests the way the app's clients will (bearer org key for the Admin API, Basic
 * email + API token for Bitbucket), send them to an emulator, and check both sides against the spec with
 * a validator of the test's own, on top of the emulator's built-in checks.
 */
import type { Emulator, EmulatorRequest, Violation } from '../../../emulators/emulator-types';
import type { SpecName } from '../../../emulators/openapi/load-spec';
import type { JsonValue } from '../../../emulators/openapi/openapi-types';
import { requestsPartialResponse, validatorFor } from '../../../emulators/openapi/validator';
import { EMULATED_ADMIN } from '../../../emulators/seed';

/** The org API key tests send; any non-empty key is accepted. */
export const ORG_API_KEY = 'test-org-api-key';

/** The workspace admin's API token tests send. */
export const API_TOKEN = 'test-api-token';

/** A request to the Admin API emulator as the Admin API client builds it. */
export function adminRequest(
  method: string,
  path: string,
  body?: JsonValue,
  query: Record<string, string[]> = {},
): EmulatorRequest {
  const headers: Record<string, string[]> = { authorization: [`Bearer ${ORG_API_KEY}`], accept: ['application/json'] };
  if (body !== undefined) headers['content-type'] = ['application/json'];
  return { method, path, query, headers, body: body === undefined ? undefined : JSON.stringify(body) };
}

/** A request to the Bitbucket emulator as the Bitbucket client builds it (Basic email:token). */
export function bitbucketRequest(
  method: string,
  path: string,
  body?: JsonValue,
  query: Record<string, string[]> = {},
  email: string = EMULATED_ADMIN.email,
): EmulatorRequest {
  const headers: Record<string, string[]> = {
    authorization: [`Basic ${Buffer.from(`${email}:${API_TOKEN}`).toString('base64')}`],
    accept: ['application/json'],
  };
  if (body !== undefined) headers['content-type'] = ['application/json'];
  return { method, path, query, headers, body: body === undefined ? undefined : JSON.stringify(body) };
}

/** A response, with its body parsed. */
export interface Exchanged {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly json: JsonValue | undefined;
}

/** Something that serves requests and records violations. */
export interface CheckedEmulator extends Emulator {
  readonly violations: readonly Violation[];
}

/** Records which operations each test file exercised, so a file can assert it covered all it serves. */
export class OperationTally {
  readonly seen = new Set<string>();
}

/**
 * Sends `request`; asserts that the spec describes it, that the response conforms to the spec, and that
 * the emulator recorded no violation. Returns the parsed response.
 */
export async function exchange(
  emulator: CheckedEmulator,
  spec: SpecName,
  request: EmulatorRequest,
  tally?: OperationTally,
): Promise<Exchanged> {
  const validator = validatorFor(spec);
  const specPath = spec === 'bitbucket-cloud' ? request.path.replace(/^\/2\.0(?=\/)/, '') : request.path;
  const check = validator.validateRequest({ ...request, path: specPath });
  expect(check.errors).toEqual([]);
  const response = await emulator.handle(request);
  if (check.match.kind === 'matched') {
    expect(
      validator.validateResponse(check.match.operation, response, { partial: requestsPartialResponse(request.query) }),
    ).toEqual([]);
    tally?.seen.add(check.match.operation.key);
  }
  expect(emulator.violations).toEqual([]);
  return { ...response, json: response.body === undefined ? undefined : (JSON.parse(response.body) as JsonValue) };
}

/** Reads a nested value from a parsed body by keys and indexes, failing the test when it is missing. */
export function at(value: JsonValue | undefined, ...path: Array<string | number>): JsonValue {
  let node: JsonValue | undefined = value;
  for (const key of path) {
    if (typeof key === 'number') node = Array.isArray(node) ? node[key] : undefined;
    else node = node !== null && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined;
    if (node === undefined) throw new Error(`No value at ${path.join('.')}`);
  }
  if (node === undefined) throw new Error('No value');
  return node;
}

/** Like `at`, for a string. */
export function text(value: JsonValue | undefined, ...path: Array<string | number>): string {
  const node = at(value, ...path);
  if (typeof node !== 'string') throw new Error(`${path.join('.')} is not a string`);
  return node;
}

/** Like `at`, for an array. */
export function list(value: JsonValue | undefined, ...path: Array<string | number>): JsonValue[] {
  const node = path.length === 0 ? value : at(value, ...path);
  if (!Array.isArray(node)) throw new Error(`${path.join('.')} is not an array`);
  return node;
}
