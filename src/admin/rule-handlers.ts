/**
 * The permission rules' calls: what the rule editor's pickers offer (src/admin/rule-targets.ts), and the preview of
 * the grants the rules (saved, or as being edited) lead to beside what Bitbucket has now, each grant with the rules
 * that support it, the groups no synced group has, and each rule's problems.
 */
import type { AdminApi, GrantPreview, RulesPreview } from '../shared/admin-api';
import { PERMISSIONS_KEY } from '../sync/jobs';
import { targetKey } from '../sync/permission-sync';
import { parseSettings } from '../sync/settings-document';
import { targetProblem } from './admin-failure';
import type { Guarded, Handlers } from './admin-guard';
import type { AdminParts } from './admin-parts';
import { ruleProblems, ruleTargets } from './rule-targets';
import { AdminError } from './workspace-admin';

/** The resolver keys of this area. */
export type RuleKeys = 'rules/preview' | 'rules/targets';

/** `rules/preview`: the grants of `record.rules` (default: the saved rules) against Bitbucket's current ones. */
async function previewRules(record: Record<string, unknown>, { app, sync }: AdminParts): Promise<RulesPreview> {
  const settings = await sync.settings.get();
  let rules = settings.rules;
  if (record.rules !== undefined) {
    const parsed = parseSettings({ ...settings, rules: record.rules });
    if ('errors' in parsed)
      throw new AdminError('invalid-input', parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
    rules = parsed.settings.rules;
  }
  // The groups as the rules name them; the preview shows each by the displayName the IdP gave it.
  const named = await sync.engine.ruleGroups(rules.map((rule) => rule.group));
  const records = await app.store.getMany(
    'Group',
    named.map((g) => g.id),
  );
  const groups = named.map((g) => ({
    ...g,
    displayName: String(records.get(g.id)?.resource.displayName ?? g.displayName),
  }));
  const connected = await sync.connect();
  const knownNames = new Set(groups.map((g) => g.displayName.toLowerCase()));
  const unknownGroups = [...new Set(rules.map((r) => r.group).filter((name) => !knownNames.has(name.toLowerCase())))];
  if (!connected.ok)
    return {
      grants: [],
      unknownGroups,
      comparedWithBitbucket: false,
      detail: `Connect first; missing: ${connected.missing.join(', ')}`,
    };
  const link = await sync.links.get(PERMISSIONS_KEY);
  let plan;
  try {
    plan = await sync.permissionSyncer(connected.bitbucket, rules).plan(groups, link?.grants ?? {}, rules);
  } catch (error) {
    return { grants: [], unknownGroups, comparedWithBitbucket: false, detail: targetProblem(error) };
  }
  const nameOf = new Map(groups.map((g) => [g.groupSlug, g.displayName]));
  const grants: GrantPreview[] = plan.grants.map((grant) => {
    const ruleIds =
      grant.desired === undefined
        ? []
        : plan.explanations
            .filter((e) => e.groupSlugs.includes(grant.groupSlug))
            .filter((e) =>
              grant.target.type === 'project'
                ? e.projects.includes(grant.target.id)
                : e.repositoryPatterns.some((p) => p.repositories.includes(grant.target.id)),
            )
            .filter((e) => rules.find((r) => r.id === e.ruleId)?.level === grant.desired)
            .map((e) => e.ruleId);
    const change: GrantPreview['change'] =
      grant.action === 'foreign'
        ? 'blocked'
        : grant.action === 'delete'
          ? 'remove'
          : grant.action === 'put'
            ? grant.current === undefined
              ? 'add'
              : 'change'
            : 'same';
    return {
      target: grant.target,
      group: nameOf.get(grant.groupSlug) ?? grant.groupSlug,
      groupSlug: grant.groupSlug,
      ...(grant.desired !== undefined ? { desired: grant.desired } : {}),
      ...(grant.current !== undefined ? { current: grant.current } : {}),
      change,
      ruleIds,
    };
  });
  grants.sort((a, b) =>
    targetKey(a.target) < targetKey(b.target)
      ? -1
      : targetKey(a.target) > targetKey(b.target)
        ? 1
        : a.groupSlug < b.groupSlug
          ? -1
          : 1,
  );
  return { grants, unknownGroups, comparedWithBitbucket: true, ruleProblems: ruleProblems(plan.explanations, rules) };
}

/** The rules' resolvers, each wrapped in `guarded`. */
export function makeRuleHandlers(guarded: Guarded<AdminParts>): Pick<Handlers<AdminApi>, RuleKeys> {
  return {
    'rules/preview': guarded.fields(previewRules),
    'rules/targets': guarded((_payload, parts) => ruleTargets(parts)),
  };
}
