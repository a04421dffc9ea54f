/**
 * The target clients' harnesses (Admin API, Bitbucket) on the one factory of test/support/client-harness.ts, the
 * credentials and jitter they are configured with.
 */
import { AdminApiEmulator } from '../../../emulators/admin-api/admin-emulator';
import type { AdminApiEmulatorOptions } from '../../../emulators/admin-api/admin-emulator';
import { BitbucketEmulator } from '../../../emulators/bitbucket/bitbucket-emulator';
import type { BitbucketEmulatorOptions } from '../../../emulators/bitbucket/bitbucket-emulator';
import { EMULATED_DIRECTORY_ID, EMULATED_ORG_ID, EMULATED_WORKSPACE_SLUG } from '../../../emulators/seed';
import type { AdminApiClientOptions } from '../../../src/targets/admin-api/admin-api-options';
import { AdminApiClient } from '../../../src/targets/admin-api/admin-api-client';
import { ADMIN_API_BASE_URL } from '../../../src/targets/admin-api/admin-api-operations';
import type { BitbucketClientOptions } from '../../../src/targets/bitbucket/bitbucket-client';
import { BITBUCKET_BASE_URL, BitbucketClient } from '../../../src/targets/bitbucket/bitbucket-client';
import type { TargetClock, TargetFetch } from '../../../src/targets/http/target-fetch';
import { clientHarness, type ClientHarness } from '../../support/client-harness';

export { checkedAfterEach, expectNoViolations } from '../../support/client-harness';

/** The org API key the tests configure. */
export const ORG_API_KEY = 'test-org-api-key';

/** The workspace admin's credentials the tests configure. */
export const BITBUCKET_CREDENTIALS = { email: 'admin@emulated.example', apiToken: 'test-api-token' } as const;

/** Jitter fixed at the middle, so backoff waits are exact. */
export const MIDDLE_JITTER = (): number => 0.5;

/** The recorder's view of the Admin API. */
export const ADMIN_API = { baseUrl: ADMIN_API_BASE_URL, spec: 'admin-organization' } as const;

/** The recorder's view of Bitbucket (the spec's server is `https://api.bitbucket.org/2.0`). */
export const BITBUCKET_API = { baseUrl: BITBUCKET_BASE_URL, spec: 'bitbucket-cloud', serverPath: '/2.0' } as const;

/** An Admin API client for the emulated org with the tests' key and middle jitter; `options` override. */
export function testAdminClient(
  fetch: TargetFetch,
  clock: TargetClock,
  options: Partial<AdminApiClientOptions> = {},
): AdminApiClient {
  return new AdminApiClient({
    orgId: EMULATED_ORG_ID,
    directoryId: EMULATED_DIRECTORY_ID,
    credentials: () => ({ apiKey: ORG_API_KEY }),
    fetch,
    clock,
    random: MIDDLE_JITTER,
    ...options,
  });
}

/** A Bitbucket client for the emulated workspace with the tests' credentials and middle jitter; `options` override. */
export function testBitbucketClient(
  fetch: TargetFetch,
  clock: TargetClock,
  options: Partial<BitbucketClientOptions> = {},
): BitbucketClient {
  return new BitbucketClient({
    workspace: EMULATED_WORKSPACE_SLUG,
    credentials: () => BITBUCKET_CREDENTIALS,
    fetch,
    clock,
    random: MIDDLE_JITTER,
    ...options,
  });
}

/** Options of an Admin API harness. */
export interface AdminHarnessOptions {
  readonly emulator?: Omit<AdminApiEmulatorOptions, 'clock'>;
  readonly client?: Partial<AdminApiClientOptions>;
  /** Wraps the recorded fetch before the client sees it (to corrupt answers, for instance). */
  readonly wrap?: (fetch: TargetFetch) => TargetFetch;
}

/** An Admin API client against an Admin API emulator, at the real base URL, on one virtual clock. */
export function adminHarness(options: AdminHarnessOptions = {}): ClientHarness<AdminApiEmulator, AdminApiClient> {
  return clientHarness({
    emulator: (clock) => new AdminApiEmulator({ ...options.emulator, clock }),
    api: ADMIN_API,
    wrap: options.wrap,
    client: ({ fetch, clock }) => testAdminClient(fetch, clock, options.client),
  });
}

/** Options of a Bitbucket harness. */
export interface BitbucketHarnessOptions {
  readonly emulator?: Omit<BitbucketEmulatorOptions, 'clock'>;
  readonly client?: Partial<BitbucketClientOptions>;
  readonly wrap?: (fetch: TargetFetch) => TargetFetch;
}

/** A Bitbucket client against a Bitbucket emulator, at the real base URL, on one virtual clock. */
export function bitbucketHarness(
  options: BitbucketHarnessOptions = {},
): ClientHarness<BitbucketEmulator, BitbucketClient> {
  return clientHarness({
    emulator: (clock) => new BitbucketEmulator({ ...options.emulator, clock }),
    api: BITBUCKET_API,
    wrap: options.wrap,
    client: ({ fetch, clock }) => testBitbucketClient(fetch, clock, options.client),
  });
}
