/**
 * `npm start`: runs the SCIM server, the sync engine and, without real credentials, the emulated Atlassian
 * APIs locally. Reads PORT (8080), HOST (127.0.0.1), DATA_DIR (./.data), SCIM_BEARER_TOKEN (when unset, a
 * token is generated on first start, kept, and printed once), SCIM_PROFILE (lenient or strict-rfc),
 * SETTINGS_FILE (a settings document merged over the stored settings at start, only the fields it names), and for the real APIs ATLASSIAN_ORG_API_KEY,
 * BITBUCKET_EMAIL and BITBUCKET_API_TOKEN (the org, directory and workspace come from the settings), with
 * ATLASSIAN_ADMIN_BASE_URL and BITBUCKET_BASE_URL to call other base URLs (the emulators run by `npm run emulators`),
 * ADMIN_KEY (the admin page's key; generated and kept when unset), and DATA_KEY_FILE (the key that encrypts the
 * data directory's secrets; ~/.config/bitbucket-scim-sync/data.key by default). SCIM_BEARER_TOKEN and ADMIN_KEY must
 * pass the strength rule of src/auth/token-strength.ts, or it refuses to start and says how to make one.
 */
import path from 'node:path';
import { EMULATOR_BITBUCKET_EMAIL, EMULATOR_KEY_LINE_PREFIX } from '../../emulators';
import { weakTokenProblem } from '../auth/token-strength';
import { startLocalHost } from './local-host';
import { adminPageLine, tokenLines } from './startup-lines';
import { describeSettingsFile } from './settings-file';
import { writeLocalHostFile } from './local-host-file';

/** Reads a whole number of seconds, at least 1, from an environment variable. */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, not ${process.env.PORT}`);
  const host = process.env.HOST ?? '127.0.0.1';
  const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
  const bearerToken = process.env.SCIM_BEARER_TOKEN || undefined;
  const adminKey = process.env.ADMIN_KEY || undefined;
  // Tokens from the environment must be as strong as the ones the host generates (token-strength.ts).
  for (const [name, value] of [
    ['SCIM_BEARER_TOKEN', bearerToken],
    ['ADMIN_KEY', adminKey],
  ] as const) {
    const problem = value === undefined ? undefined : weakTokenProblem(name, value);
    if (problem !== undefined) throw new Error(problem);
  }
  const orgApiKey = process.env.ATLASSIAN_ORG_API_KEY;
  const bitbucketEmail = process.env.BITBUCKET_EMAIL;
  const bitbucketApiToken = process.env.BITBUCKET_API_TOKEN;
  const atlassian =
    orgApiKey && bitbucketEmail && bitbucketApiToken ? { orgApiKey, bitbucketEmail, bitbucketApiToken } : undefined;
  const adminBaseUrl = process.env.ATLASSIAN_ADMIN_BASE_URL || undefined;
  const bitbucketBaseUrl = process.env.BITBUCKET_BASE_URL || undefined;
  if ((adminBaseUrl || bitbucketBaseUrl) && !atlassian) {
    throw new Error(
      'ATLASSIAN_ADMIN_BASE_URL and BITBUCKET_BASE_URL need ATLASSIAN_ORG_API_KEY, BITBUCKET_EMAIL and BITBUCKET_API_TOKEN',
    );
  }
  const local = await startLocalHost({
    port,
    host,
    dataDir,
    ...(bearerToken ? { bearerToken } : {}),
    ...(process.env.SCIM_PROFILE ? { profile: process.env.SCIM_PROFILE } : {}),
    fsync: process.env.KVS_FSYNC === '1',
    ...(atlassian ? { atlassian } : {}),
    ...(adminBaseUrl || bitbucketBaseUrl
      ? {
          targetBaseUrls: {
            ...(adminBaseUrl ? { admin: adminBaseUrl } : {}),
            ...(bitbucketBaseUrl ? { bitbucket: bitbucketBaseUrl } : {}),
          },
        }
      : {}),
    ...(process.env.SETTINGS_FILE ? { settingsFile: path.resolve(process.env.SETTINGS_FILE) } : {}),
    ...(adminKey ? { adminKey } : {}),
  });
  console.log(`Bitbucket SCIM Sync is running (data in ${dataDir})`);
  if (local.kvs.dataKey) {
    const { file, created } = local.kvs.dataKey;
    console.log(
      `Secrets in the data directory are encrypted with the key in ${file}${created ? ' (created now)' : ''}: back it up apart from the data directory; without it the tokens and credentials are lost`,
    );
  }
  console.log(`SCIM base URL: ${local.scimBaseUrl}`);
  console.log(adminPageLine(local.adminUrl, adminKey));
  if (local.settingsFileReport) console.log(describeSettingsFile(local.settingsFileReport));
  // For local tools such as `npm run demo`: where this host is and its admin key (the data directory holds the key already).
  writeLocalHostFile(dataDir, {
    scimBaseUrl: local.scimBaseUrl,
    adminUrl: local.adminUrl,
    adminKey: local.adminKey,
    ...(local.emulatorUrls ? { emulatorStateUrl: local.emulatorUrls.state } : {}),
  });
  if (local.emulatorUrls) {
    console.log(
      `Emulated Atlassian Admin API: ${local.emulatorUrls.admin} (org emulated-org, directory emulated-directory)`,
    );
    console.log(`Emulated Bitbucket API: ${local.emulatorUrls.bitbucket} (workspace emulated-workspace)`);
    console.log(`${EMULATOR_KEY_LINE_PREFIX}${local.emulatorKey ?? ''}`);
    console.log(
      `  (Admin API: Authorization: Bearer <key>; Bitbucket: Basic ${EMULATOR_BITBUCKET_EMAIL}:<key>; kept in the data directory)`,
    );
    console.log(
      `Emulated organization: ${local.emulatorUrls.state} (send the admin key from the admin page URL as x-admin-key)`,
    );
  } else if (adminBaseUrl || bitbucketBaseUrl) {
    console.log(
      `Atlassian APIs: ${adminBaseUrl ?? 'the real Admin API'} and ${bitbucketBaseUrl ?? 'the real Bitbucket API'}, with the credentials from the environment`,
    );
  } else {
    console.log('Atlassian APIs: the real ones, with the credentials from the environment');
  }
  const tokenInput = {
    ...(local.generatedToken !== undefined ? { generatedToken: local.generatedToken } : {}),
    ...(local.bearerTokenOutcome !== undefined ? { outcome: local.bearerTokenOutcome } : {}),
    tokens: await local.app.tokens.list(),
  };
  for (const line of tokenLines(tokenInput)) console.log(line);
  // A signal to the process group reaches this process twice (directly and forwarded by tsx); a repeated
  // signal must not kill it halfway through closing, which would leave the data directory locked.
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void local.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
