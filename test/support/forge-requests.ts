/** Requests as Forge hands them to the app's entry points, for tests that call a web trigger directly. */
import type { ForgeWebTriggerRequest } from '../../src/forge/scim-web-trigger';

/** A SCIM call with bearer `token` as Forge passes it to the SCIM web trigger: path under /scim/v2, header and query values as arrays. */
export function scimTriggerRequest(
  token: string,
  method: string,
  userPath: string,
  body: unknown,
  queryParameters: Record<string, string[]> = {},
): ForgeWebTriggerRequest {
  return {
    method,
    path: `/scim/v2${userPath}`,
    userPath,
    headers: { authorization: [`Bearer ${token}`], 'content-type': ['application/scim+json'] },
    queryParameters,
    body: JSON.stringify(body),
  } as unknown as ForgeWebTriggerRequest;
}
