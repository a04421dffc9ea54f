/**
 * The directory-source seam. The app's directory (src/directory) is the desired state the sync engine works from;
 * a source fills it. SCIM push (src/scim behind the web trigger) writes it request by request; a pull source (Google
 * Workspace today; Microsoft Graph or Okta's API could follow) reads the IdP in full and hands the pull
 * (src/sources/pull) a complete picture in these source-neutral records, which the pull writes through the same
 * DirectoryStore port, and so the same outbox, as SCIM writes: the engine, permission rules, breaker and audit never
 * ask which source it was (docs/notes/architecture.md, "The flow of data").
 */

/** Which source the installation's directory follows. */
export type DirectorySourceKind = 'scim' | 'google-workspace';

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

/** What a pull source noticed and left out, shown on the admin page. */
export interface PullFindings {
  /** Members outside the account's domains, by email (at most a sample), and how many. */
  readonly outsideDomain: { readonly count: number; readonly sample: readonly string[] };
  /** Members in the domain who are not among the selected users. */
  readonly notSelected: number;
  /** Cycles of nested groups, each as the group emails around it. */
  readonly cycles: readonly (readonly string[])[];
}
