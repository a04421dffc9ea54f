/** The application's public surface, shared by the Forge entry points and the local host. */
import type { ScimRequest, ScimResponse } from '../scim/protocol';

/** What the entry points call; built once per runtime by a composition root. */
export interface App {
  /** Serves one SCIM request (RFC 7644) and never throws: every failure becomes a SCIM error response. */
  handleScim(request: ScimRequest): Promise<ScimResponse>;
}
