/**
 * What a review stores while it reads: compact records (JSON tuples), appended step by step to chunked logs, and
 * turned back into ReviewInputs once everything is read. Tuples keep a 2,000-repository review to a few chunks
 * of Forge's 240 KiB values; the record kinds mirror the listings of src/targets/bitbucket/access-reads.ts and
 * what the app knows (identities, its groups, its applied grants).
 */
import type { AccessLevel, EffectivePermission, IdpStatus, ReviewInputs, RuleGrant, TargetRef } from './access-model';

/** `r` for a repository, `p` for a project. */
type TargetCode = 'r' | 'p';

/** One stored fact. */
export type ReviewRecord =
  | readonly ['repo', string, string | null, 0 | 1]
  | readonly ['proj', string]
  | readonly ['admin', string, string]
  | readonly ['member', string, string]
  | readonly ['gg', TargetCode, string, string, string, string]
  | readonly ['ug', TargetCode, string, string, string, string]
  | readonly ['eff', string, string, string]
  | readonly ['group', string, string, 0 | 1, 0 | 1, readonly string[]]
  | readonly ['idp', string, string, string, string]
  | readonly ['applied', Readonly<Record<string, Readonly<Record<string, string>>>>]
  | readonly ['rule', TargetCode, string, string, string, readonly string[]];

/** The code of a target. */
export function targetCode(target: TargetRef): TargetCode {
  return target.type === 'repository' ? 'r' : 'p';
}

function targetOf(code: TargetCode, id: string): TargetRef {
  return { type: code === 'r' ? 'repository' : 'project', id };
}

/** The bytes a record takes in a stored chunk (its JSON and a comma). */
export function recordBytes(record: ReviewRecord): number {
  return Buffer.byteLength(JSON.stringify(record), 'utf8') + 1;
}

/** A record of a grant the rules ask for. */
export function ruleRecord(grant: RuleGrant): ReviewRecord {
  return ['rule', targetCode(grant.target), grant.target.id, grant.groupSlug, grant.level, grant.ruleIds];
}

/**
 * Rebuilds the inputs from every record of a review. Unknown record kinds are skipped (a newer version's
 * records in an older reader), so a stored review stays readable.
 */
export function inputsFromRecords(records: Iterable<ReviewRecord>): ReviewInputs {
  const repositories: { slug: string; projectKey?: string; isPrivate: boolean }[] = [];
  const projects: { key: string }[] = [];
  const admins: string[] = [];
  const members: { accountId: string; displayName: string }[] = [];
  const otherAccounts = new Map<string, string>();
  const groupGrants: { target: TargetRef; groupSlug: string; level: AccessLevel }[] = [];
  const userGrants: { target: TargetRef; accountId: string; level: AccessLevel }[] = [];
  const effective: EffectivePermission[] = [];
  const groups: {
    slug: string;
    name: string;
    madeByApp: boolean;
    membersKnown: boolean;
    members: readonly string[];
  }[] = [];
  const identities: { accountId: string; userId: string; userName: string; status: IdpStatus }[] = [];
  const ruleGrants: RuleGrant[] = [];
  let applied: ReviewInputs['applied'] = {};
  let sawEffective = false;
  for (const record of records) {
    switch (record[0]) {
      case 'repo':
        repositories.push({
          slug: record[1],
          ...(record[2] !== null ? { projectKey: record[2] } : {}),
          isPrivate: record[3] === 1,
        });
        break;
      case 'proj':
        projects.push({ key: record[1] });
        break;
      case 'admin':
        admins.push(record[1]);
        otherAccounts.set(record[1], record[2]);
        break;
      case 'member':
        members.push({ accountId: record[1], displayName: record[2] });
        break;
      case 'gg':
        groupGrants.push({
          target: targetOf(record[1], record[2]),
          groupSlug: record[3],
          level: record[5] as AccessLevel,
        });
        break;
      case 'ug':
        userGrants.push({
          target: targetOf(record[1], record[2]),
          accountId: record[3],
          level: record[5] as AccessLevel,
        });
        otherAccounts.set(record[3], record[4]);
        break;
      case 'eff':
        sawEffective = true;
        effective.push({
          repository: record[1],
          accountId: record[2],
          level: record[3] as EffectivePermission['level'],
        });
        break;
      case 'group':
        groups.push({
          slug: record[1],
          name: record[2],
          madeByApp: record[3] === 1,
          membersKnown: record[4] === 1,
          members: record[5],
        });
        break;
      case 'idp':
        identities.push({
          accountId: record[1],
          userId: record[2],
          userName: record[3],
          status: record[4] as IdpStatus,
        });
        break;
      case 'applied':
        applied = record[1];
        break;
      case 'rule':
        ruleGrants.push({
          target: targetOf(record[1], record[2]),
          groupSlug: record[3],
          level: record[4] as AccessLevel,
          ruleIds: record[5],
        });
        break;
      default:
        break;
    }
  }
  const memberIds = new Set(members.map((m) => m.accountId));
  return {
    projects,
    repositories,
    admins,
    members,
    otherAccounts: [...otherAccounts]
      .filter(([id]) => !memberIds.has(id))
      .map(([accountId, displayName]) => ({ accountId, displayName })),
    groups,
    groupGrants,
    userGrants,
    identities,
    ruleGrants,
    applied,
    ...(sawEffective ? { effective } : {}),
  };
}
