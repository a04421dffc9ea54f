/**
 * The Google Directory port: the paged reads a pull makes, in the app's own compact records. The production adapter
 * is GoogleDirectoryClient (Google's Directory API over HTTP); locally the same client talks to the emulator
 * (emulators/google), and both pass the contract suite in test/sources/google.
 */

/** A user as the pull needs one (Directory API User: id, primaryEmail, name, suspended, archived, orgUnitPath). */
export interface DirectoryUserRecord {
  readonly id: string;
  readonly primaryEmail: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly suspended: boolean;
  readonly archived: boolean;
  readonly orgUnitPath: string;
}

/** A group (Directory API Group). */
export interface DirectoryGroupRecord {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly description: string;
}

/** A direct member of a group (Directory API Member); `email` is absent for CUSTOMER. */
export interface DirectoryMemberRecord {
  readonly id: string;
  readonly type: 'USER' | 'GROUP' | 'CUSTOMER' | 'EXTERNAL';
  readonly email?: string;
  readonly role: string;
}

/** One page and the token of the next, absent on the last page. */
export interface DirectoryPage<T> {
  readonly items: readonly T[];
  readonly nextPageToken?: string;
}

/** The reads of a pull. */
export interface GoogleDirectory {
  /** users.list over the whole customer (`my_customer`), or below one org unit (that unit and every unit under it). */
  listUsers(options: {
    readonly orgUnitPath?: string;
    readonly pageToken?: string;
  }): Promise<DirectoryPage<DirectoryUserRecord>>;
  /** groups.list over the whole customer. */
  listGroups(options: { readonly pageToken?: string }): Promise<DirectoryPage<DirectoryGroupRecord>>;
  /** members.list of one group (direct members; nested groups appear as GROUP members). */
  listMembers(
    groupKey: string,
    options: { readonly pageToken?: string },
  ): Promise<DirectoryPage<DirectoryMemberRecord>>;
  /** users.get by id or email; undefined when there is no such user. */
  getUser(userKey: string): Promise<DirectoryUserRecord | undefined>;
}
