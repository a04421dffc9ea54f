/**
 * The Google client against the Google emulator, in process, on one auto-advancing virtual clock (the factory of
 * test/support/client-harness.ts): token calls go to the emulator's `/token`, Directory calls through the validating
 * recorder (every request built and response accepted checked against the discovery document), so a test can
 * assert that neither side broke the contract.
 */
import { emulatorFetch } from '../../../emulators/emulator-fetch';
import { GoogleWorkspaceEmulator, type ServiceAccountKeyFile } from '../../../emulators/google/google-emulator';
import { SEEDED_GOOGLE_ADMIN, seedGoogleDomain, type GoogleSeedOptions } from '../../../emulators/google/google-seed';
import { GoogleDirectoryClient, type GoogleRetryPolicy } from '../../../src/sources/google/google-directory-client';
import { GoogleTokenSource } from '../../../src/sources/google/google-token-source';
import { parseServiceAccountKey } from '../../../src/sources/google/service-account-key';
import {
  GOOGLE_DIRECTORY_BASE_URL,
  GOOGLE_READ_ONLY_SCOPES,
  GOOGLE_TOKEN_URL,
} from '../../../src/sources/google/scopes';
import type { TargetFetch } from '../../../src/targets/http/target-fetch';
import { clientHarness } from '../../support/client-harness';

/** Options of a harness. */
export interface GoogleHarnessOptions {
  readonly seed?: GoogleSeedOptions;
  readonly subject?: string;
  /** The key the client signs with (default: the emulator's registered service account). */
  readonly key?: ServiceAccountKeyFile;
  readonly retry?: Partial<GoogleRetryPolicy>;
}

/** The recorder's view of the Directory API. */
export const GOOGLE_DIRECTORY_API = { baseUrl: GOOGLE_DIRECTORY_BASE_URL, spec: 'google-admin-directory' } as const;

/** A Google client wired to an emulator. */
export function googleHarness(options: GoogleHarnessOptions = {}) {
  const tokenBodies: string[] = [];
  const harness = clientHarness({
    emulator: (clock) => new GoogleWorkspaceEmulator({ clock, state: seedGoogleDomain(options.seed) }),
    api: GOOGLE_DIRECTORY_API,
    // Token calls go to the emulator's /token beside the recorder, which checks Directory calls only.
    wrap: (recorded, emulator): TargetFetch => {
      const tokenFetch = emulatorFetch({ baseUrl: 'https://oauth2.googleapis.com', emulator });
      return (url, init) => {
        if (url === GOOGLE_TOKEN_URL) {
          tokenBodies.push(init.body ?? '');
          return tokenFetch(url, init);
        }
        return recorded(url, init);
      };
    },
    client: ({ fetch, clock, emulator }) => {
      const registered = emulator.createServiceAccountKey();
      const keyFile = options.key ?? registered;
      const tokens = new GoogleTokenSource({
        key: parseServiceAccountKey(JSON.stringify(keyFile)),
        subject: options.subject ?? SEEDED_GOOGLE_ADMIN,
        scopes: GOOGLE_READ_ONLY_SCOPES,
        fetch,
        clock,
      });
      const client = new GoogleDirectoryClient({
        tokens,
        fetch,
        clock,
        random: () => 0.5,
        ...(options.retry ? { retry: options.retry } : {}),
      });
      return { registered, tokens, client };
    },
  });
  const { registered, tokens, client } = harness.client;
  return { ...harness, registered, tokens, client, tokenBodies };
}
