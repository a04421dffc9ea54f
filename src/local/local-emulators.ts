/**
 * The emulated Atlassian APIs and Google Workspace a local host serves when it has no real credentials: linked
 * emulators under a key kept in the store, their requests counted, mounted on one router.
 */
import { defaultServiceLimits } from '../scim/service';
import type { ForgeKvs } from '../storage/kvs-port';
import { countingEmulator, type MutableRequestCounts } from './emulator-state-route';
import { localGoogleEmulator } from './local-google';
import type { LocalHostOptions } from './local-host-types';
import { localEmulatorKey } from './local-secrets';
import {
  createEmulatorRouter,
  createLinkedEmulators,
  systemClock,
  type EmulatorRouter,
  type LinkedEmulators,
} from '../../emulators';

/** A local host's emulators, all undefined when it talks to Atlassian. */
export interface LocalEmulators {
  /** The key the emulated APIs require. */
  readonly emulatorKey: string | undefined;
  readonly emulators: LinkedEmulators | undefined;
  /** The emulated Google Workspace and its service account key file. */
  readonly google: Awaited<ReturnType<typeof localGoogleEmulator>> | undefined;
  /** Requests served per emulated API (the state route shows them). */
  readonly emulatorRequests: MutableRequestCounts;
  readonly emulatorRouter: EmulatorRouter | undefined;
}

/** Creates the emulators unless real Atlassian credentials were given. */
export async function createLocalEmulators(
  kvs: ForgeKvs,
  options: Pick<LocalHostOptions, 'atlassian' | 'emulatorKey' | 'emulators' | 'emulatorSeed' | 'googleSeed'>,
): Promise<LocalEmulators> {
  // The emulators require a key as the real APIs require credentials; the host's own sync uses it (local-host.ts).
  const emulatorKey = options.atlassian ? undefined : await localEmulatorKey(kvs, options.emulatorKey);
  const emulators =
    emulatorKey === undefined
      ? undefined
      : createLinkedEmulators({
          clock: systemClock,
          key: emulatorKey,
          ...options.emulators,
          ...(options.emulatorSeed !== undefined
            ? { admin: { seed: options.emulatorSeed }, bitbucket: { seed: options.emulatorSeed } }
            : {}),
        });
  const google = emulators ? await localGoogleEmulator(kvs, options.googleSeed) : undefined;
  const emulatorRequests = { admin: 0, bitbucket: 0 };
  const emulatorRouter = emulators
    ? createEmulatorRouter({
        admin: countingEmulator(emulators.admin, () => (emulatorRequests.admin += 1)),
        bitbucket: countingEmulator(emulators.bitbucket, () => (emulatorRequests.bitbucket += 1)),
        ...(google ? { google: google.emulator } : {}),
        maxBodyBytes: defaultServiceLimits.maxBodyBytes,
      })
    : undefined;
  return { emulatorKey, emulators, google, emulatorRequests, emulatorRouter };
}
