/**
 * The Google client against the Google emulator, in process, on one auto-advancing virtual clock: token calls go to
 * the emulator's `/token`, Directory calls through the validating recorder (every request built and response
 * accepted checked against the discovery document), so a test can assert that neither side broke the contract.
 */
import { emulatorFetch } from '../../../emulators/emulator-fetch';
import { GoogleWorkspaceEmulator, type ServiceAccountKeyFile } from '../../../emulators/google/google-emulator';
import { SEEDED_GOOGLE_ADMIN, seedGoogleDomain, type GoogleSeedOptions } from '../../../emulators/google/google-seed';
import { VirtualClock } from '../../../emulators/virtual-clock';
import { GoogleDirectoryClient, type GoogleRetryPolicy } from '../../../src/sources/google/google-directory-client';
import { GoogleTokenSource } from '../../../src/sources/google/google-token-source';
import { parseServiceAccountKey } from '../../../src/sources/google/service-account-key';
import { GOOGLE_DIRECTORY_BASE_URL, GOOGLE_READ_ONLY_SCOPES, GOOGLE_TOKEN_URL } from '../../../src/sources/google/scopes';
import type { TargetFetch } from '../../../src/targets/http/target-fetch';
import { ValidatingRecorder } from '../../targets/support/validating-recorder';

/** Options of a harness. */
export interface GoogleHarnessOptions {
  readonly seed?: GoogleSeedOptions;
  readonly subject?: string;
  /** The key the client signs with (default: the emulator's registered service account). */
  readonly key?: ServiceAccountKeyFile;
  readonly retry?: Partial<GoogleRetryPolicy>;
}

/** A Google client wired to an emulator. */
export function googleHarness(options: GoogleHarnessOptions = {}) {
  const clock = new VirtualClock({ autoAdvance: true });
  const emulator = new GoogleWorkspaceEmulator({ clock, state: seedGoogleDomain(options.seed) });
  const registered = emulator.createServiceAccountKey();
  const keyFile = options.key ?? registered;
  const tokenFetch = emulatorFetch({ baseUrl: 'https://oauth2.googleapis.com', emulator });
  const recorder = new ValidatingRecorder(emulatorFetch({ baseUrl: GOOGLE_DIRECTORY_BASE_URL, emulator }), [{ baseUrl: GOOGLE_DIRECTORY_BASE_URL, spec: 'google-admin-directory' }]);
  const tokenBodies: string[] = [];
  const fetch: TargetFetch = (url, init) => {
    if (url === GOOGLE_TOKEN_URL) {
      tokenBodies.push(init.body ?? '');
      return tokenFetch(url, init);
    }
    return recorder.fetch(url, init);
  };
  const tokens = new GoogleTokenSource({ key: parseServiceAccountKey(JSON.stringify(keyFile)), subject: options.subject ?? SEEDED_GOOGLE_ADMIN, scopes: GOOGLE_READ_ONLY_SCOPES, fetch, clock });
  const client = new GoogleDirectoryClient({ tokens, fetch, clock, random: () => 0.5, ...(options.retry ? { retry: options.retry } : {}) });
  return { clock, emulator, registered, recorder, tokens, client, fetch, tokenBodies };
}
