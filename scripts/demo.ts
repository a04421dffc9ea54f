/**
 * `npm run demo`: plays an Entra-like identity provider against a running `npm start` — 50 users and 5 groups
 * pushed with filter GETs, POSTs and member PATCHes, one permission rule, one deactivation — waits until the sync
 * has converged (the admin bridge's status, and the emulated organization at /emulator/state), and prints what to
 * look at. Reads SCIM_BASE_URL and SCIM_BEARER_TOKEN (defaults: the host `npm start` of DATA_DIR wrote into its
 * host file (src/local/local-host-file.ts), and a token the demo issues itself through the admin page's calls), ADMIN_KEY (default: the
 * same file) and DEMO_TIMEOUT_SECONDS (180).
 */
import path from 'node:path';
import { localHostFilePath, readLocalHostFile } from '../src/local/local-host-file';
import { waitForConvergence } from './demo/convergence';
import { DEMO_DEACTIVATED, DEMO_GROUPS, DEMO_RULE, DEMO_USERS } from './demo/demo-directory';
import { EntraLikeIdp } from './demo/entra-like-idp';
import { localAdminClient, type AdminCall } from './demo/local-admin-client';

const DEMO_TOKEN_LABEL = 'npm run demo (Entra-like IdP)';

/** A token for the demo IdP: SCIM_BEARER_TOKEN, or one issued now (an earlier demo's token is revoked first). */
async function demoToken(admin: AdminCall): Promise<{ token: string; issued: boolean }> {
  const given = process.env.SCIM_BEARER_TOKEN;
  if (given) return { token: given, issued: false };
  for (const old of await admin('tokens/list'))
    if (old.label === DEMO_TOKEN_LABEL) await admin('tokens/revoke', { id: old.id });
  try {
    const issued = await admin('tokens/issue', { label: DEMO_TOKEN_LABEL });
    return { token: issued.token, issued: true };
  } catch (error) {
    throw new Error(
      `Could not issue a token for the demo (${error instanceof Error ? error.message : String(error)}); set SCIM_BEARER_TOKEN to a live token instead`,
    );
  }
}

async function main(): Promise<number> {
  const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
  const local = readLocalHostFile(dataDir);
  const scimBaseUrl = (process.env.SCIM_BASE_URL ?? local?.scimBaseUrl ?? 'http://127.0.0.1:8080/scim/v2').replace(
    /\/+$/,
    '',
  );
  const origin = new URL(scimBaseUrl).origin;
  const adminKey = process.env.ADMIN_KEY ?? local?.adminKey;
  if (!adminKey) {
    console.error(
      `No admin key: start the host with npm start (it writes ${localHostFilePath(dataDir)}), or set ADMIN_KEY to the key in the admin page URL (after #key=).`,
    );
    return 2;
  }
  const timeoutSeconds = Number(process.env.DEMO_TIMEOUT_SECONDS ?? 180);
  const admin = localAdminClient(origin, adminKey);
  try {
    await admin('status/get');
  } catch (error) {
    console.error(
      `Cannot reach the local host at ${origin} (${error instanceof Error ? error.message : String(error)}): is npm start running?`,
    );
    return 1;
  }

  console.log(`Demo identity provider (Entra-like) -> ${scimBaseUrl}`);
  if (((await admin('setup/get')).idp ?? undefined) === undefined) await admin('setup/save', { idp: 'entra-id' });
  const { token, issued } = await demoToken(admin);
  console.log(
    issued
      ? `Issued the demo IdP a SCIM token ending in …${token.slice(-4)} (label "${DEMO_TOKEN_LABEL}")`
      : `Using SCIM_BEARER_TOKEN (…${token.slice(-4)})`,
  );
  const settings = await admin('settings/get');
  if (!settings.rules.some((rule) => rule.id === DEMO_RULE.id)) {
    const saved = await admin('settings/save', { settings: { ...settings, rules: [...settings.rules, DEMO_RULE] } });
    if (!saved.ok)
      throw new Error(`The demo rule was refused: ${saved.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    console.log(
      `Added the permission rule ${DEMO_RULE.id}: "${DEMO_RULE.group}" may ${DEMO_RULE.level} project ${DEMO_RULE.projects.join(', ')}`,
    );
  }

  const idp = new EntraLikeIdp(scimBaseUrl, token);
  for (const user of DEMO_USERS) await idp.provisionUser(user);
  console.log(`Pushed ${DEMO_USERS.length} users (filter GET, then POST)`);
  for (const group of DEMO_GROUPS) await idp.provisionGroup(group);
  console.log(
    `Pushed ${DEMO_GROUPS.length} groups (filter GET, POST, member PATCHes): ${DEMO_GROUPS.map((g) => g.displayName).join(', ')}`,
  );
  console.log(
    `${idp.report.requests} SCIM requests (${idp.report.created} created, ${idp.report.found} already there). Waiting for the sync to converge…`,
  );
  const emulatorStateUrl =
    local?.emulatorStateUrl ?? (process.env.SCIM_BASE_URL ? undefined : `${origin}/emulator/state`);
  const converge = async (
    deactivated: string | undefined,
  ): Promise<Awaited<ReturnType<typeof waitForConvergence>> | undefined> => {
    const result = await waitForConvergence({
      admin,
      emulatorStateUrl,
      adminKey,
      timeoutSeconds,
      ...(deactivated ? { deactivated } : {}),
      onProgress: (line) => console.log(line),
    });
    if (result.converged) return result;
    console.error(`The sync did not converge within ${timeoutSeconds} s: ${result.differences.join('; ')}`);
    return undefined;
  };
  const first = await converge(undefined);
  if (!first) return 1;
  console.log(`Converged in ${Math.round(first.seconds)} s.`);

  // Entra deactivates in a later cycle, once the user was provisioned: the account keeps existing, its access goes.
  await idp.deactivate(DEMO_DEACTIVATED);
  console.log(`Deactivated ${DEMO_DEACTIVATED} (PATCH replace active "False"). Waiting for the sync again…`);
  const result = await converge(DEMO_DEACTIVATED);
  if (!result) return 1;
  const adminUrl = local?.adminUrl ?? `${origin}/admin/#key=${adminKey}`;
  const unicode = result.orgGroups.get('Ünïcode Ops');
  console.log(
    `Converged in ${Math.round(result.seconds)} s${result.comparedWithOrganization ? `: every demo user, group, membership and the grant are in the emulated organization, and ${DEMO_DEACTIVATED} is out of its groups` : ''}.`,
  );
  console.log('');
  console.log('What to look at');
  console.log(`  Admin page: ${adminUrl}`);
  console.log(
    `    Status: ${DEMO_USERS.length} users and ${DEMO_GROUPS.length} groups synced, Bitbucket permissions synced; ${DEMO_DEACTIVATED} marked deactivated`,
  );
  console.log(
    `    Group permissions: the rule ${DEMO_RULE.id} and its preview; which IdP group is which org group (Ünïcode Ops -> ${unicode ?? 'scim-unicode-ops'})`,
  );
  console.log(
    `    Audit log: search "active: true -> false" for the deactivation, "member ${DEMO_GROUPS[1]?.members[0] ?? ''}" for a membership; each entry says who (IdP (token …${token.slice(-4)}), sync engine, admin)`,
  );
  if (result.comparedWithOrganization) {
    console.log(
      `  Emulated organization: curl -s -H "x-admin-key: ${adminKey}" "${local?.emulatorStateUrl ?? `${origin}/emulator/state`}?logs=false"`,
    );
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
