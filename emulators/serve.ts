/**
 * `npm run emulators`: serves the emulated Atlassian Admin API, Bitbucket and Google Workspace as a process of their own, so the
 * local host can be pointed at them (ATLASSIAN_ADMIN_BASE_URL, BITBUCKET_BASE_URL) and restarted, or killed,
 * without losing the emulated organization. Reads PORT (8081), HOST (127.0.0.1), EMULATOR_SEED and
 * EMULATOR_LATENCY_MS (real milliseconds added to every request). State lives in memory for the process's life.
 * Every request needs the key it generates and prints (`Emulator key: <key>`, a new one each start): the Admin API
 * as `Authorization: Bearer <key>`, Bitbucket as Basic `admin@emulated.example:<key>`, the state as the bearer key.
 */
import {
  EMULATED_BITBUCKET_RESOURCE_ID,
  EMULATED_DIRECTORY_ID,
  EMULATED_ORG_ID,
  EMULATED_WORKSPACE_SLUG,
} from './seed';
import { GOOGLE_KEY_PATH, STATE_PATH, startEmulatorServer } from './emulator-server';
import { SEEDED_GOOGLE_ADMIN } from './google/google-seed';
import { EMULATOR_BITBUCKET_EMAIL, EMULATOR_KEY_LINE_PREFIX } from './emulator-access';

function numberFromEnv(name: string, fallback: number | undefined): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, not ${raw}`);
  return value;
}

async function main(): Promise<void> {
  const port = numberFromEnv('PORT', 8081) ?? 8081;
  if (port > 65535) throw new Error(`PORT must be a port number, not ${port}`);
  const seed = numberFromEnv('EMULATOR_SEED', undefined);
  const latencyMs = numberFromEnv('EMULATOR_LATENCY_MS', undefined);
  const server = await startEmulatorServer({
    port,
    host: process.env.HOST ?? '127.0.0.1',
    ...(seed !== undefined ? { seed } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
  });
  console.log(
    `Emulated Atlassian Admin API: ${server.adminUrl} (org ${EMULATED_ORG_ID}, directory ${EMULATED_DIRECTORY_ID})`,
  );
  console.log(
    `Emulated Bitbucket API: ${server.bitbucketUrl} (workspace ${EMULATED_WORKSPACE_SLUG}, resource ${EMULATED_BITBUCKET_RESOURCE_ID})`,
  );
  console.log(
    `Emulated Google Workspace: ${server.googleUrl} (token endpoint ${server.googleUrl}/token, admin ${SEEDED_GOOGLE_ADMIN}, service account key file at ${server.url}${GOOGLE_KEY_PATH})`,
  );
  console.log(`${EMULATOR_KEY_LINE_PREFIX}${server.key}`);
  console.log(
    `  (Admin API and state: Authorization: Bearer <key>; Bitbucket: Basic ${EMULATOR_BITBUCKET_EMAIL}:<key>)`,
  );
  // Last, so a reader that waits for this line has the key too.
  console.log(`Emulator state: ${server.url}${STATE_PATH}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
