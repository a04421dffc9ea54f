/**
 * The directory-source seam. The app's directory (src/directory) is the desired state the sync engine works from;
 * a source fills it. SCIM push (src/scim behind the web trigger) writes it request by request; a pull source (Google
 * Workspace today; Microsoft Graph or Okta's API could follow) reads the IdP in full and hands the pull
 * (src/sources/pull) a complete picture in these source-neutral records, which the pull writes through the same
 * DirectoryStore port, and so the same outbox, as SCIM writes: the engine, permission rules, breaker and audit never
 * ask which source it was (docs/notes/architecture.md, "The flow of data").
 */

/** The admin page's data (src/shared/source-types.ts), re-exported for the source's modules. */
export type { DirectorySourceKind, PullFindings } from '../shared/source-types';

/** A user as a pull source reports it. */
export interface SourceUser {
  /** The IdP's stable id (Google's user `id`): kept as the directory user's externalId, so a rename keeps its link. */
  readonly sourceId: string;
  /** The sign-in email (Google's `primaryEmail`): the directory user's userName and work email. */
  readonly email: string;
  readonly givenName: string;
  readonly familyName: string;
  /** False for a user the IdP suspended or archived. */
  readonly active: boolean;
}

/** A group as a pull source reports it, with its members flattened to users. */
export interface SourceGroup {
  /** The IdP's stable id: the directory group's externalId. */
  readonly sourceId: string;
  readonly name: string;
  /** The sourceIds of the selected users who are members, directly or through nested groups. */
  readonly memberSourceIds: readonly string[];
}
