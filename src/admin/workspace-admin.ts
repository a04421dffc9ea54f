/**
 * Who may administer the app: a workspace admin of the installation's workspace. Only `accountId` and
 * `installContext` in a resolver's context are trustworthy (DAC /app-context-security/); the workspace comes
 * from `installContext`, and the caller's role is asked of Bitbucket as the caller
 * (`GET /2.0/user/workspaces/{workspace}/permission`, which answers `owner` for workspace admins; 403 or 404
 * deny, docs/notes/forge-platform.md "Is the caller a workspace admin?").
 *
 * A lookup that throws is never read as a verdict: it becomes `check-failed` with the error as `cause`. When that
 * error is the platform's own request for the user's consent, the resolver adapter (src/forge/admin-resolver.ts)
 * finds it in the cause and lets it leave the resolver unchanged, so Forge can show its consent prompt.
 */

/** The trusted part of a resolver call's context. */
export interface CallerContext {
  readonly accountId?: unknown;
  readonly installContext?: unknown;
}

/**
 * Asks Bitbucket, as the caller, for the caller's permission in a workspace: the HTTP status and the `permission`
 * field. It throws when Bitbucket could not be asked at all (network, platform, or the user's consent missing).
 */
export type WorkspacePermissionLookup = (workspaceUuid: string) => Promise<{ status: number; permission?: string }>;

/**
 * Why an admin call was refused. `grant-required`: Bitbucket answered 401 to the caller; `check-failed`: Bitbucket
 * could not be asked, or answered something that is no verdict (429, 5xx), so nobody knows whether the caller is
 * an admin.
 */
export type AdminRefusal = 'not-signed-in' | 'no-workspace' | 'not-admin' | 'grant-required' | 'check-failed';

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
  if (typeof context.accountId !== 'string' || context.accountId === '')
    throw new AdminError('not-signed-in', 'The call has no signed-in user');
  const workspace = workspaceUuidOf(context.installContext);
  if (!workspace) {
    // The context form is an assumption (the Diagnostics' install-context check): say what came, so an admin can report it.
    const given =
      typeof context.installContext === 'string'
        ? context.installContext.slice(0, 120)
        : String(context.installContext);
    throw new AdminError(
      'no-workspace',
      `The installation context (${given}) names no Bitbucket workspace in the form the app assumes, ari:cloud:bitbucket::workspace/<uuid>`,
    );
  }
  let answer: { status: number; permission?: string };
  try {
    answer = await lookup(workspace);
  } catch (error) {
    throw new AdminError(
      'check-failed',
      'Bitbucket could not be asked whether you are a workspace admin; try again in a moment',
      { cause: error },
    );
  }
  if (answer.status === 401)
    throw new AdminError('grant-required', 'Allow the app to access Bitbucket on your behalf, then try again');
  if (answer.status === 403 || answer.status === 404 || (answer.status === 200 && answer.permission !== 'owner')) {
    throw new AdminError('not-admin', 'Only workspace admins can manage SCIM provisioning');
  }
  if (answer.status !== 200)
    throw new AdminError(
      'check-failed',
      `Bitbucket answered ${answer.status} when asked whether you are a workspace admin; try again in a moment`,
    );
}
