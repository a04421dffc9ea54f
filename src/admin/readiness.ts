/**
 * `status/get` and what the page says about the app's state, without contradictions: set-up is finished only with
 * every step done; provisioning "is running" only once the identity provider has reached the endpoint (before
 * that the page says it waits for the IdP); credentials from the local host's environment count as configured and
 * are named as the ones in use, so the banner, Connections and the connection test agree.
 */
import { IDP_CONTACT_KEY, type IdpContact } from '../auth/idp-contact';
import type { AdminStatus, CredentialsInUse, SetupView } from '../shared/admin-api';
import type { PullParts } from '../sources/create-pull';
import type { ForgeKvs } from '../storage/kvs-port';
import type { AdminParts } from './admin-parts';

/** The plain KVS key of the page's own choices (the IdP picked). */
export const SETUP_KEY = 'admin:setup';

/** What readiness needs to know about the runtime. */
export interface ReadinessDeps {
  readonly kvs: Pick<ForgeKvs, 'get'>;
  /** True when the targets are the emulated Atlassian APIs (the local host without credentials). */
  readonly emulated?: boolean;
  /** True when the local host was started with ATLASSIAN_ORG_API_KEY, BITBUCKET_EMAIL and BITBUCKET_API_TOKEN: they win over saved ones. */
  readonly environmentCredentials?: boolean;
  /** The directory pull, where the installation has one: with Google Workspace as the source, no SCIM IdP is waited for. */
  readonly getPull?: () => Promise<Pick<PullParts, 'sources' | 'status'>>;
}

/** `1 directory`, `2 directories`: a count with the noun in the right number. */
export function counted(count: number, singular: string, plural: string): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** Which credentials the sync engine calls Atlassian with (the local host's: environment, then saved, then emulated). */
export async function credentialsInUse(
  deps: ReadinessDeps,
  parts: Pick<AdminParts, 'sync'>,
): Promise<CredentialsInUse> {
  if (deps.environmentCredentials) {
    return {
      source: 'environment',
      detail:
        'The sync uses the credentials from the environment (ATLASSIAN_ORG_API_KEY, BITBUCKET_EMAIL, BITBUCKET_API_TOKEN); credentials saved here are not used while those are set.',
    };
  }
  if ((await parts.sync.credentials.load()) !== undefined)
    return { source: 'saved', detail: 'The sync uses the credentials saved on this page.' };
  if (deps.emulated)
    return {
      source: 'emulated',
      detail: 'No credentials are needed: this local host writes to the emulated Admin API and Bitbucket.',
    };
  return {
    source: 'none',
    detail: 'No credentials yet: save the org API key and the Bitbucket admin API token below.',
  };
}

/** The answer of `status/get`. */
export async function readiness(deps: ReadinessDeps, parts: AdminParts): Promise<AdminStatus> {
  const { app, sync } = parts;
  const [setup, tokens, inUse, settings, warnings, contact] = await Promise.all([
    deps.kvs.get<SetupView>(SETUP_KEY),
    app.tokens.list(),
    credentialsInUse(deps, parts),
    sync.settings.get(),
    sync.credentials.warnings(),
    deps.kvs.get<IdpContact>(IDP_CONTACT_KEY),
  ]);
  // With Google Workspace as the source the app pulls: no SCIM token or IdP contact is needed, a finished pull is.
  const pull = deps.getPull ? await deps.getPull() : undefined;
  const google = pull !== undefined && (await pull.sources.get()).kind === 'google-workspace';
  const lastPull = google ? (await pull.status()).lastPull : undefined;
  const steps = {
    idp: google || setup?.idp !== undefined,
    token: google || tokens.length > 0,
    credentials: inUse.source !== 'none',
    target: settings.target.directoryId !== '' && settings.target.workspace !== '',
  };
  const missing = [
    ...(steps.idp ? [] : ['pick your identity provider']),
    ...(steps.token ? [] : ['generate a SCIM token']),
    ...(steps.credentials ? [] : ['add the Atlassian credentials']),
    ...(steps.target ? [] : ['choose the target directory']),
  ];
  const ready = missing.length === 0;
  const state: AdminStatus['state'] = !ready ? 'setup' : (google ? lastPull : contact) ? 'running' : 'waiting-for-idp';
  const detail =
    state === 'setup'
      ? `To finish set-up: ${missing.join(', ')}.`
      : google
        ? state === 'running'
          ? `The last pull from Google Workspace finished at ${lastPull?.finishedAt ?? ''}.`
          : 'Set-up is done, but no pull from Google Workspace has finished yet: run the preview, approve it and press Sync now (under Set-up).'
        : state === 'waiting-for-idp'
          ? 'Set-up is done, but nothing has arrived from your identity provider yet: paste the SCIM base URL and a token into it and start provisioning there (its guide is under Set-up).'
          : `Your identity provider last reached the app at ${contact?.at ?? ''}${contact?.tokenSuffix ? ` with the token ending in …${contact.tokenSuffix}` : ''}.`;
  return {
    ready,
    state,
    detail,
    steps,
    warnings,
    emulated: deps.emulated === true,
    credentials: inUse,
    ...(contact ? { lastIdpContactAt: contact.at } : {}),
  };
}
