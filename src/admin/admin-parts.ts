/**
 * What the admin calls work on, declared here so that the admin layer names only the layers below it: the app's
 * directory, tokens, failed authentications and cursor signer (AppParts of src/app/create-app.ts provides them), the
 * sync's settings, links, engine, dispatcher, credentials, audit log, breaker and connection (SyncParts of
 * src/app/create-sync.ts), and the runtime around them. Forge (src/forge/index.ts) and the local host pass their parts.
 */
import type { AuthFailureLog } from '../auth/auth-failures';
import type { BearerTokens } from '../auth/bearer-tokens';
import type { TokenSigner } from '../auth/cursor-signer';
import type { DirectoryStore } from '../directory/directory-store';
import type { ReviewSync } from '../review/create-review';
import type { PullParts } from '../sources/create-pull';
import type { ForgeKvs } from '../storage/kvs-port';
import type { AuditLog } from '../sync/audit-log';
import type { CircuitBreakerStore } from '../sync/circuit-breaker';
import type { CredentialStore } from '../sync/credentials';
import type { Dispatcher } from '../sync/dispatcher';
import type { PermissionSyncer } from '../sync/permission-sync';
import type { SyncSettings } from '../sync/settings';
import type { ConnectedTargets, ConnectOptions } from '../sync/sync-connection';
import type { SyncEngine } from '../sync/sync-engine';
import type { BitbucketPermissions } from '../targets/ports';
import { workspaceUuidOf, type CallerContext, type WorkspacePermissionLookup } from './workspace-admin';

/** What the admin calls use of the app (src/app/create-app.ts, AppParts). */
export interface AdminApp {
  readonly store: DirectoryStore;
  readonly tokens: BearerTokens;
  /** Failed SCIM authentications per hour. */
  readonly authFailures: Pick<AuthFailureLog, 'summary'>;
  /** The signer of opaque cursors (the admin page's paging), under the installation's secret. */
  cursorSigner(): Promise<TokenSigner>;
}

/** What the admin calls use of the sync (src/app/create-sync.ts, SyncParts), the access review's needs included. */
export interface AdminSync extends ReviewSync {
  readonly engine: Pick<SyncEngine, 'ruleGroups'>;
  readonly dispatcher: Pick<Dispatcher, 'drainSoon' | 'requestReconcile'>;
  readonly credentials: CredentialStore;
  readonly auditLog: AuditLog;
  readonly breaker: CircuitBreakerStore;
  /**
   * Builds the remote ports, or says what is missing: configuration, or what a failed Diagnostics check stands in
   * for (egress refused, the installation's workspace not confirmed).
   */
  connect(options?: ConnectOptions): Promise<ConnectedTargets>;
  /** The permission syncer over a Bitbucket port and the given rules. */
  permissionSyncer(bitbucket: BitbucketPermissions, rules: SyncSettings['rules']): PermissionSyncer;
}

/** The app and sync parts a guarded admin call gets. */
export interface AdminParts {
  readonly app: AdminApp;
  readonly sync: AdminSync;
}

/** What the admin handlers need from their runtime. */
export interface AdminHandlerDeps {
  readonly getApp: () => Promise<AdminApp>;
  readonly getSync: () => Promise<AdminSync>;
  readonly getBaseUrl: () => Promise<string>;
  /** Asks Bitbucket for the caller's workspace permission, as the caller (Forge: `asUser().requestBitbucket`). */
  readonly lookupPermission: WorkspacePermissionLookup;
  /** The app's plain key-value store (page choices, status timestamps). */
  readonly kvs: Pick<ForgeKvs, 'get' | 'set'>;
  /** True when the targets are the emulated Atlassian APIs (the local host without credentials). */
  readonly emulated?: boolean;
  /** True when the local host's credentials come from its environment (they win over saved ones). */
  readonly environmentCredentials?: boolean;
  /**
   * Fill an empty target workspace from the installation (Forge): the workspace is `{uuid}` (Bitbucket's API takes
   * a workspace UUID in braces wherever it takes a slug) and the Bitbucket product's resource id is the
   * installation's workspace ARI.
   */
  readonly targetFromInstallation?: boolean;
  /** The directory pull (Google Workspace as the source), for the source calls (src/admin/source-handlers.ts). */
  readonly getPull?: () => Promise<PullParts>;
  readonly now?: () => Date;
}

async function adoptInstallationWorkspace(sync: AdminSync, installContext: unknown): Promise<void> {
  const uuid = workspaceUuidOf(installContext);
  if (!uuid) return;
  const settings = await sync.settings.get();
  if (settings.target.workspace !== '' && settings.target.workspaceResourceId !== '') return;
  await sync.settings.save({
    ...settings,
    target: {
      ...settings.target,
      workspace: settings.target.workspace || `{${uuid}}`,
      workspaceResourceId: settings.target.workspaceResourceId || `ari:cloud:bitbucket::workspace/${uuid}`,
    },
  });
}

/** The parts of one admin call; on Forge (`targetFromInstallation`) an empty target workspace is filled first. */
export async function adminPartsFor(deps: AdminHandlerDeps, context: CallerContext): Promise<AdminParts> {
  const [app, sync] = await Promise.all([deps.getApp(), deps.getSync()]);
  if (deps.targetFromInstallation) await adoptInstallationWorkspace(sync, context.installContext);
  return { app, sync };
}
