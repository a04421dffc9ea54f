/**
 * Who may administer the app: a workspace admin of the installation's workspace. Only `accountId` and
 * `installContext` in a resolver's context are trustworthy (DAC /app-context-security/); the workspace comes
 * from `installContext`, and the caller's role is asked of Bitbucket as the caller
 * (`GET /2.0/user/workspaces/{workspace}/permission`, which answers `owner` for workspace admins).
 */

/** The trusted part of a resolver call's context. */
export interface CallerContext {
  readonly accountId?: unknown;
  readonly installContext?: unknown;
}

/** Asks Bitbucket, as the caller, for the caller's permission in a workspace: the HTTP status and the `permission` field. */
export type WorkspacePermissionLookup = (workspaceUuid: string) => Promise<{ status: number; permission?: string }>;

/** Why an admin call was refused. */
export type AdminRefusal = 'not-signed-in' | 'no-workspace' | 'not-admin' | 'grant-required';

/** The error type of the admin layer; the resolver adapter turns it into a typed failure for the page. */
export class AdminError extends Error {
  constructor(
    readonly reason: AdminRefusal | 'invalid-input',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdminError';
  }
}

/** Extracts the workspace UUID from `ari:cloud:bitbucket::workspace/<uuid>`. */
export function workspaceUuidOf(installContext: unknown): string | undefined {
  if (typeof installContext !== 'string') return undefined;
  const match = /^ari:cloud:bitbucket::workspace\/\{?([0-9a-fA-F-]{36})\}?$/.exec(installContext);
  return match?.[1]?.toLowerCase();
}

/** Throws AdminError unless the caller is an admin (`owner`) of the installation's workspace. */
export async function assertWorkspaceAdmin(context: CallerContext, lookup: WorkspacePermissionLookup): Promise<void> {
  if (typeof context.accountId !== 'string' || context.accountId === '') throw new AdminError('not-signed-in', 'The call has no signed-in user');
  const workspace = workspaceUuidOf(context.installContext);
  if (!workspace) throw new AdminError('no-workspace', 'The installation context names no Bitbucket workspace');
  let answer: { status: number; permission?: string };
  try {
    answer = await lookup(workspace);
  } catch (error) {
    throw new AdminError('grant-required', 'Bitbucket could not be asked as you; grant the app access and try again', { cause: error });
  }
  if (answer.status === 401) throw new AdminError('grant-required', 'Grant the app access to Bitbucket on your behalf and try again');
  if (answer.status !== 200 || answer.permission !== 'owner') throw new AdminError('not-admin', 'Only workspace admins can manage SCIM provisioning');
}
