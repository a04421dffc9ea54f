/**
 * `npm start`: runs the SCIM server locally. Reads PORT (8080), HOST (127.0.0.1), DATA_DIR (./.data),
 * SCIM_BEARER_TOKEN (when unset, a token is generated on first start, kept, and printed once) and
 * SCIM_PROFILE (lenient or strict-rfc).
 */
import path from 'node:path';
import { startLocalHost } from './local-host';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${process.env.PORT}`);
  const host = process.env.HOST ?? '127.0.0.1';
  const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
  const bearerToken = process.env.SCIM_BEARER_TOKEN || undefined;
  const local = await startLocalHost({
    port,
    host,
    dataDir,
    ...(bearerToken ? { bearerToken } : {}),
    ...(process.env.SCIM_PROFILE ? { profile: process.env.SCIM_PROFILE } : {}),
    fsync: process.env.KVS_FSYNC === '1',
  });
  console.log(`Bitbucket SCIM Sync is running (data in ${dataDir})`);
  console.log(`SCIM base URL: ${local.scimBaseUrl}`);
  if (local.generatedToken) {
    console.log(`SCIM bearer token (shown once, only its hash is kept): ${local.generatedToken}`);
  } else if (bearerToken) {
    console.log('SCIM bearer token: the value of SCIM_BEARER_TOKEN');
  } else {
    const tokens = await local.app.tokens.list();
    console.log(`SCIM bearer token: already configured (${tokens.map((t) => `…${t.suffix}`).join(', ')}); set SCIM_BEARER_TOKEN to use a known one`);
  }
  const stop = (): void => {
    void local.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
