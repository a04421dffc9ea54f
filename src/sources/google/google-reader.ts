/**
 * The Google Workspace pull source: reads every group (to find the selected ones and name nested ones), the direct
 * members of each selected group and of every group nested in them (and of the group whose members are the selected
 * users), then the users (below each chosen org unit, or all), page by page at each method's largest page, staging
 * each page as it comes. The cursor says where to resume, so a pull cut off mid-way, or stopped by Google's quota,
 * goes on from the page it had reached. A member outside the account's domains (the impersonated admin's and the
 * groups' domains) is staged as such and left out of the directory.
 */
import type { PullFindings, SourceGroup, SourceUser } from '../directory-source';
import type { PullReader, PulledDirectory, Stage } from '../pull/pull-reader';
import { flattenMemberships, type EncodedMember } from './flatten-memberships';
import type { GoogleDirectory } from './google-directory';
import { groupSelected, type GoogleSelection } from './google-selection';

/** Where a Google read stands. */
interface Cursor {
  step: 'groups' | 'members' | 'users' | 'done';
  pageToken?: string;
  /** Group ids whose members are read, in order; nested groups are appended as they are met. */
  queue: string[];
  /** Position in `queue` (members) or in the org units (users). */
  index: number;
  domains: string[];
}

/** A staged group: id, email, name. */
type StagedGroup = [id: string, email: string, name: string];
/** A staged member page: group id and its members. */
type StagedMembers = [groupId: string, members: EncodedMember[]];
/** A staged user: id, email, given name, family name, suspended or archived (1), org unit. */
type StagedUser = [id: string, email: string, given: string, family: string, inactive: 0 | 1, orgUnit: string];

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** Options of the reader. */
export interface GoogleReaderOptions {
  readonly directory: GoogleDirectory;
  readonly selection: GoogleSelection;
  /** The impersonated admin, whose domain is the account's. */
  readonly subject: string;
}

/** The Google pull source. */
export class GoogleReader implements PullReader {
  constructor(private readonly options: GoogleReaderOptions) {}

  private orgUnits(): string[] {
    const users = this.options.selection.users;
    return users.kind === 'org-units' ? [...users.paths] : ['/'];
  }

  async read(raw: unknown, stage: Stage, canCall: () => boolean): Promise<{ cursor: unknown; done: boolean }> {
    const cursor: Cursor = (raw as Cursor | undefined) ?? {
      step: 'groups',
      queue: [],
      index: 0,
      domains: [domainOf(this.options.subject)],
    };
    const { directory, selection } = this.options;
    while (cursor.step !== 'done' && canCall()) {
      if (cursor.step === 'groups') {
        const page = await directory.listGroups(cursor.pageToken ? { pageToken: cursor.pageToken } : {});
        await stage.append(
          'g',
          page.items.map((g): StagedGroup => [g.id, g.email, g.name]),
        );
        for (const group of page.items) {
          if (!cursor.domains.includes(domainOf(group.email))) cursor.domains.push(domainOf(group.email));
          const selector =
            selection.users.kind === 'group' && selection.users.email.toLowerCase() === group.email.toLowerCase();
          if ((groupSelected(selection.groups, group) || selector) && !cursor.queue.includes(group.id))
            cursor.queue.push(group.id);
        }
        if (page.nextPageToken !== undefined) cursor.pageToken = page.nextPageToken;
        else {
          delete cursor.pageToken;
          cursor.step = cursor.queue.length > 0 ? 'members' : 'users';
          cursor.index = 0;
        }
      } else if (cursor.step === 'members') {
        const groupId = cursor.queue[cursor.index] ?? '';
        const page = await directory.listMembers(groupId, cursor.pageToken ? { pageToken: cursor.pageToken } : {});
        const encoded: EncodedMember[] = [];
        for (const member of page.items) {
          if (member.type === 'CUSTOMER') encoded.push('c');
          else if (member.type === 'GROUP') {
            encoded.push(`g:${member.id}`);
            if (!cursor.queue.includes(member.id)) cursor.queue.push(member.id);
          } else if (
            member.type === 'EXTERNAL' ||
            (member.email !== undefined && !cursor.domains.includes(domainOf(member.email)))
          )
            encoded.push(`x:${member.email ?? member.id}`);
          else encoded.push(`u:${member.id}`);
        }
        await stage.append('m', [[groupId, encoded] satisfies StagedMembers]);
        if (page.nextPageToken !== undefined) cursor.pageToken = page.nextPageToken;
        else {
          delete cursor.pageToken;
          cursor.index += 1;
          if (cursor.index >= cursor.queue.length) {
            cursor.step = 'users';
            cursor.index = 0;
          }
        }
      } else {
        const orgUnits = this.orgUnits();
        const unit = orgUnits[cursor.index] ?? '/';
        const page = await directory.listUsers({
          ...(unit !== '/' ? { orgUnitPath: unit } : {}),
          ...(cursor.pageToken ? { pageToken: cursor.pageToken } : {}),
        });
        await stage.append(
          'u',
          page.items.map((u): StagedUser => [
            u.id,
            u.primaryEmail,
            u.givenName,
            u.familyName,
            u.suspended || u.archived ? 1 : 0,
            u.orgUnitPath,
          ]),
        );
        if (page.nextPageToken !== undefined) cursor.pageToken = page.nextPageToken;
        else {
          delete cursor.pageToken;
          cursor.index += 1;
          if (cursor.index >= orgUnits.length) cursor.step = 'done';
        }
      }
    }
    return { cursor, done: cursor.step === 'done' };
  }

  async assemble(stage: Stage): Promise<PulledDirectory> {
    const { selection } = this.options;
    const groups = await stage.all<StagedGroup>('g');
    const members = new Map<string, EncodedMember[]>();
    for (const [groupId, page] of await stage.all<StagedMembers>('m')) {
      const list = members.get(groupId) ?? [];
      list.push(...page);
      members.set(groupId, list);
    }
    const staged = new Map<string, StagedUser>();
    for (const user of await stage.all<StagedUser>('u')) staged.set(user[0], user);
    let selectedIds = new Set(staged.keys());
    if (selection.users.kind === 'group') {
      const email = selection.users.email.toLowerCase();
      const selector = groups.find((g) => g[1].toLowerCase() === email);
      const reached =
        selector === undefined
          ? undefined
          : flattenMemberships([selector[0]], members, selectedIds).groups.get(selector[0]);
      selectedIds = new Set(reached?.users ?? []);
    }
    const users: SourceUser[] = [...selectedIds].map((id) => {
      const [, email, givenName, familyName, inactive] = staged.get(id) ?? [id, '', '', '', 0, '/'];
      return { sourceId: id, email, givenName, familyName, active: inactive === 0 };
    });
    const chosen = groups.filter(([id, email, name]) => groupSelected(selection.groups, { id, email, name }));
    const report = flattenMemberships(
      chosen.map((g) => g[0]),
      members,
      selectedIds,
    );
    const emailOf = new Map(groups.map((g) => [g[0], g[1]]));
    const sourceGroups: SourceGroup[] = chosen.map(([id, email, name]) => ({
      sourceId: id,
      name: name === '' ? email : name,
      memberSourceIds: report.groups.get(id)?.users ?? [],
    }));
    const findings: PullFindings = {
      outsideDomain: { count: report.outsideDomain.length, sample: report.outsideDomain.slice(0, 20) },
      notSelected: report.notSelected,
      cycles: report.cycles.map((cycle) => cycle.map((id) => emailOf.get(id) ?? id)),
    };
    return { users, groups: sourceGroups, findings };
  }
}
