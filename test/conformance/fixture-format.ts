/**
 * The shape of a recorded IdP flow (test/conformance/fixtures/*.json) and a strict reader for it: a misspelt key in
 * a fixture must fail loudly, or a step would silently assert nothing.
 */

/** The profiles the in-process harness can run. */
export type ProfileName = 'lenient' | 'strict-rfc';

/** One request as the IdP sends it, relative to the SCIM base URL. */
export interface FixtureRequest {
  readonly method: string;
  /** Path and query exactly as the IdP writes them; `{{var}}` is replaced before sending. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body, serialised by the harness. */
  readonly body?: unknown;
  /** A body sent byte for byte (malformed JSON, text/plain). */
  readonly rawBody?: string;
  /** A generated JSON User body of exactly this many bytes (for the request size limit). */
  readonly bodyOfBytes?: number;
  /** Send no Authorization header. */
  readonly anonymous?: boolean;
  /** Send the body with no Content-Type header at all (the harness would otherwise add one). */
  readonly omitContentType?: boolean;
}

/** What a response must satisfy. Bodies and header values may use the matchers of json-expectations.ts. */
export interface FixtureExpectation {
  /** The status, or the statuses an IdP accepts equally (e.g. PATCH answered with 200 or 204). */
  readonly status: number | readonly number[];
  /** A partial JSON the response body must contain (objects by subset, arrays element by element). */
  readonly body?: unknown;
  /** Header values by name (case-insensitive); `null` means the header must be absent. */
  readonly headers?: Readonly<Record<string, unknown>>;
  /** JSON pointers that must not exist in the response body. */
  readonly absent?: readonly string[];
}

/** One request and its expectations. */
export interface FixtureStep {
  readonly name: string;
  /** Restricts the step to some of the flow's profiles (for behaviour the profiles deliberately differ on). */
  readonly profiles?: readonly ProfileName[];
  /** Sends the request this many times, with `{{i}}` counting from 1 (to build data sets of IdP-sized pages). */
  readonly repeat?: number;
  readonly request: FixtureRequest;
  readonly expect: FixtureExpectation;
  /** Variables taken from the response body by JSON pointer, usable as `{{name}}` in this and later steps. */
  readonly capture?: Readonly<Record<string, string>>;
  /** Variables taken from response headers by header name. */
  readonly captureHeaders?: Readonly<Record<string, string>>;
}

/** A named, ordered flow recorded from one IdP's documented behaviour. */
export interface Fixture {
  readonly name: string;
  /** Where the behaviour is documented (a section of docs/notes/scim-and-idps.md, an IdP document). */
  readonly source: string;
  readonly description?: string;
  /** Profiles the whole flow runs under; lenient when omitted. */
  readonly profiles?: readonly ProfileName[];
  readonly steps: readonly FixtureStep[];
}

const PROFILE_NAMES: readonly ProfileName[] = ['lenient', 'strict-rfc'];
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: JsonObject, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new Error(`${where}: unknown key(s) ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
}

function stringRecord(value: unknown, where: string): Record<string, string> {
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) throw new Error(`${where} must be an object of strings`);
  return value as Record<string, string>;
}

function profiles(value: unknown, where: string): ProfileName[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((p) => PROFILE_NAMES.includes(p as ProfileName))) {
    throw new Error(`${where} must be a non-empty array of ${PROFILE_NAMES.join(' | ')}`);
  }
  return value as ProfileName[];
}

function readRequest(value: unknown, where: string): FixtureRequest {
  if (!isObject(value)) throw new Error(`${where} must be an object`);
  onlyKeys(value, ['method', 'path', 'headers', 'body', 'rawBody', 'bodyOfBytes', 'anonymous', 'omitContentType'], where);
  if (typeof value.method !== 'string' || !METHODS.has(value.method)) throw new Error(`${where}.method must be an upper-case HTTP method`);
  if (typeof value.path !== 'string' || !value.path.startsWith('/')) throw new Error(`${where}.path must start with '/'`);
  const bodies = ['body', 'rawBody', 'bodyOfBytes'].filter((key) => value[key] !== undefined);
  if (bodies.length > 1) throw new Error(`${where}: give only one of body, rawBody, bodyOfBytes`);
  if (value.rawBody !== undefined && typeof value.rawBody !== 'string') throw new Error(`${where}.rawBody must be a string`);
  if (value.bodyOfBytes !== undefined && !(Number.isInteger(value.bodyOfBytes) && (value.bodyOfBytes as number) > 100)) {
    throw new Error(`${where}.bodyOfBytes must be an integer above 100`);
  }
  if (value.headers !== undefined) stringRecord(value.headers, `${where}.headers`);
  if (value.omitContentType === true && bodies.length === 0) throw new Error(`${where}.omitContentType needs a body`);
  return value as unknown as FixtureRequest;
}

function readExpectation(value: unknown, where: string): FixtureExpectation {
  if (!isObject(value)) throw new Error(`${where} must be an object`);
  onlyKeys(value, ['status', 'body', 'headers', 'absent'], where);
  const status = value.status;
  const valid = (s: unknown): boolean => Number.isInteger(s) && (s as number) >= 100 && (s as number) < 600;
  if (!(valid(status) || (Array.isArray(status) && status.length > 0 && status.every(valid)))) throw new Error(`${where}.status must be an HTTP status or a list of them`);
  if (value.headers !== undefined && !isObject(value.headers)) throw new Error(`${where}.headers must be an object`);
  if (value.absent !== undefined && !(Array.isArray(value.absent) && value.absent.every((p) => typeof p === 'string' && p.startsWith('/')))) {
    throw new Error(`${where}.absent must be a list of JSON pointers`);
  }
  return value as unknown as FixtureExpectation;
}

function readStep(value: unknown, where: string): FixtureStep {
  if (!isObject(value)) throw new Error(`${where} must be an object`);
  onlyKeys(value, ['name', 'profiles', 'repeat', 'request', 'expect', 'capture', 'captureHeaders'], where);
  if (typeof value.name !== 'string' || value.name.trim() === '') throw new Error(`${where}.name must be a non-empty string`);
  const named = `${where} "${value.name}"`;
  if (value.profiles !== undefined) profiles(value.profiles, `${named}.profiles`);
  if (value.repeat !== undefined && !(Number.isInteger(value.repeat) && (value.repeat as number) >= 1 && (value.repeat as number) <= 500)) {
    throw new Error(`${named}.repeat must be an integer from 1 to 500`);
  }
  readRequest(value.request, `${named}.request`);
  readExpectation(value.expect, `${named}.expect`);
  if (value.capture !== undefined) {
    const capture = stringRecord(value.capture, `${named}.capture`);
    if (!Object.values(capture).every((pointer) => pointer.startsWith('/'))) throw new Error(`${named}.capture values must be JSON pointers`);
  }
  if (value.captureHeaders !== undefined) stringRecord(value.captureHeaders, `${named}.captureHeaders`);
  return value as unknown as FixtureStep;
}

/** Checks a parsed fixture file and returns it typed; throws with the offending location on any unknown or bad key. */
export function readFixture(value: unknown, file: string): Fixture {
  if (!isObject(value)) throw new Error(`${file} must hold a JSON object`);
  onlyKeys(value, ['name', 'source', 'description', 'profiles', 'steps'], file);
  if (typeof value.name !== 'string' || value.name.trim() === '') throw new Error(`${file}.name must be a non-empty string`);
  if (typeof value.source !== 'string' || value.source.trim() === '') throw new Error(`${file}.source must say where the behaviour is documented`);
  if (value.description !== undefined && typeof value.description !== 'string') throw new Error(`${file}.description must be a string`);
  if (value.profiles !== undefined) profiles(value.profiles, `${file}.profiles`);
  if (!Array.isArray(value.steps) || value.steps.length === 0) throw new Error(`${file}.steps must be a non-empty array`);
  const names = new Set<string>();
  value.steps.forEach((step, index) => {
    const read = readStep(step, `${file} step ${index + 1}`);
    if (names.has(read.name)) throw new Error(`${file}: step name "${read.name}" is used twice; names identify failures`);
    names.add(read.name);
  });
  return value as unknown as Fixture;
}

/** The profiles a fixture runs under. */
export function fixtureProfiles(fixture: Fixture): readonly ProfileName[] {
  return fixture.profiles ?? ['lenient'];
}
