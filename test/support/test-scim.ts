/**
 * An in-process SCIM service for tests: the production App (directory store on @forge/kvs) over the local
 * KVS service in memory, called the way the web trigger calls it; or one per test.
 */
import path from 'node:path';
import { createApp, type AppParts } from '../../src/app/create-app';
import type { ScimLogger } from '../../src/scim/error-response';
import { profileNamed } from '../../src/scim/profile';
import type { ScimResponse } from '../../src/scim/protocol';
import {
  createLocalKvs,
  createLocalKvsService,
  loadEntityDefinitions,
  type LocalKvsService,
} from '../../src/storage/local-kvs';
import { perTest } from './per-test';

/** Base URL the in-process service believes it is served at. */
export const TEST_BASE_URL = 'https://scim.test/scim/v2';

/** A response with its body parsed when it is JSON. */
export interface TestResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string | undefined;
  // Tests read arbitrary SCIM JSON; a precise type would be a second copy of the schema.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/** Options of one call. */
export interface CallOptions {
  readonly body?: unknown;
  /** A raw body string, sent as is (for malformed JSON). */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  /** Omit the Authorization header. */
  readonly anonymous?: boolean;
}

/** A running in-process service. */
export interface TestScim {
  readonly app: AppParts;
  readonly token: string;
  readonly kvs: LocalKvsService;
  readonly errors: { code: string; message: string; fields?: Record<string, unknown> }[];
  call(method: string, pathAndQuery: string, options?: CallOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

function parseQuery(search: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(search)) (out[name] ??= []).push(value);
  return out;
}

/** Starts an in-process service on an empty in-memory store. */
export async function startTestScim(
  options: { profile?: 'lenient' | 'strict-rfc'; now?: () => Date } = {},
): Promise<TestScim> {
  const errors: TestScim['errors'] = [];
  const logger: ScimLogger = {
    error: (code, message, fields) => errors.push({ code, message, ...(fields ? { fields } : {}) }),
  };
  const kvsService = createLocalKvsService({
    entities: loadEntityDefinitions(path.resolve(__dirname, '../../manifest.yml')),
  });
  const kvs = createLocalKvs(kvsService);
  const profile = profileNamed(options.profile);
  const app = createApp({ kvs, logger, profile: () => profile, ...(options.now ? { now: options.now } : {}) });
  const { token } = await app.tokens.issue({ label: 'test' });
  return {
    app,
    token,
    kvs: kvsService,
    errors,
    async call(method, pathAndQuery, callOptions = {}) {
      const [pathPart = '', search = ''] = pathAndQuery.split('?', 2);
      const headers: Record<string, string[]> = {};
      if (!callOptions.anonymous) headers.authorization = [`Bearer ${token}`];
      for (const [name, value] of Object.entries(callOptions.headers ?? {})) headers[name.toLowerCase()] = [value];
      const body =
        callOptions.rawBody ?? (callOptions.body === undefined ? undefined : JSON.stringify(callOptions.body));
      if (body !== undefined && headers['content-type'] === undefined)
        headers['content-type'] = ['application/scim+json'];
      const response: ScimResponse = await app.handleScim({
        method,
        path: pathPart,
        query: parseQuery(search),
        headers,
        body,
        baseUrl: TEST_BASE_URL,
      });
      let parsed: unknown;
      if (response.body !== undefined && response.body !== '') {
        try {
          parsed = JSON.parse(response.body);
        } catch {
          parsed = undefined;
        }
      }
      return { status: response.status, headers: response.headers, text: response.body, body: parsed };
    },
    async close() {
      await kvsService.close();
    },
  };
}

/**
 * A service started before each test of the scope it is called in; after each, the test fails if the service logged
 * an error, and the service is closed. The answer stands for the current test's service.
 */
export function testScimPerTest(): TestScim {
  const current = perTest(
    'SCIM service',
    () => startTestScim(),
    async (scim) => {
      expect(scim.errors).toEqual([]);
      await scim.close();
    },
  );
  return {
    get app() {
      return current().app;
    },
    get token() {
      return current().token;
    },
    get kvs() {
      return current().kvs;
    },
    get errors() {
      return current().errors;
    },
    call: (method, pathAndQuery, options) => current().call(method, pathAndQuery, options),
    close: () => current().close(),
  };
}
