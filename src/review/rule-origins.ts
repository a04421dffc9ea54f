/**
 * Which permission rule asks for which grant: the rules resolved one by one with permission sync's own planner
 * (src/sync/permission-rules.ts), so a review names the rule behind each grant the app made. Where several rules ask
 * for one (target, group), the highest level wins, as in permission sync, and the rules asking for that level are named.
 */
import type { PermissionRule } from '../sync/settings';
import { desiredGrants, type RuleGroup, type RuleProject, type RuleRepository } from '../sync/permission-rules';
import type { AccessLevel, RuleGrant, TargetRef } from './access-model';
import { levelRank, targetKeyOf } from './access-model';

/** The grants the rules ask for now, each with the ids of the rules that ask for its level. */
export function ruleGrantsOf(
  rules: readonly PermissionRule[],
  groups: readonly RuleGroup[],
  projects: readonly RuleProject[],
  repositories: readonly RuleRepository[],
): RuleGrant[] {
  const merged = new Map<string, { target: TargetRef; groupSlug: string; level: AccessLevel; ruleIds: string[] }>();
  for (const rule of rules) {
    const desired = desiredGrants([rule], groups, projects, repositories);
    const each = (type: TargetRef['type'], map: ReadonlyMap<string, ReadonlyMap<string, AccessLevel>>): void => {
      for (const [id, bySlug] of map) {
        for (const [groupSlug, level] of bySlug) {
          const target: TargetRef = { type, id };
          const key = `${targetKeyOf(target)}|${groupSlug}`;
          const current = merged.get(key);
          if (current === undefined || levelRank(type, level) > levelRank(type, current.level))
            merged.set(key, { target, groupSlug, level, ruleIds: [rule.id] });
          else if (current.level === level && !current.ruleIds.includes(rule.id)) current.ruleIds.push(rule.id);
        }
      }
    };
    each('project', desired.projects);
    each('repository', desired.repositories);
  }
  return [...merged.values()].sort((a, b) => {
    const x = `${targetKeyOf(a.target)}|${a.groupSlug}`;
    const y = `${targetKeyOf(b.target)}|${b.groupSlug}`;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
