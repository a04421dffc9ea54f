/**
 * What the rule editor's pickers offer, and the rule problems its preview shows: the groups the identity provider
 * pushed (by displayName, as rules name them), the workspace's projects and repositories, and for each rule the
 * project keys that do not exist and the patterns that match no repository (a misspelt project otherwise previews
 * as nothing at all, with no word about why).
 */
import type { RuleExplanation } from '../sync/permission-rules';
import type { PermissionRule } from '../sync/settings';
import type { RuleProblemView, RuleTargetsView } from '../shared/admin-api';
import type { AdminParts } from './admin-parts';

/** Most groups the group picker lists (one directory page read). */
export const MAX_PICKER_GROUPS = 500;

/** `rules/targets`: the groups, projects and repositories a rule can name. */
export async function ruleTargets(parts: AdminParts): Promise<RuleTargetsView> {
  const page = await parts.app.store.page('Group', 0, MAX_PICKER_GROUPS);
  const groups = page.resources.map((group) => String(group.resource.displayName ?? '')).filter((name) => name !== '');
  groups.sort((a, b) => a.localeCompare(b));
  const base = { groups, groupsTruncated: page.totalResults > page.resources.length };
  const connected = await parts.sync.connect();
  if (!connected.ok)
    return {
      ...base,
      projects: [],
      repositories: [],
      detail: `Projects and repositories appear once connected; missing: ${connected.missing.join(', ')}`,
    };
  try {
    const [projects, repositories] = await Promise.all([
      connected.bitbucket.listProjects(),
      connected.bitbucket.listRepositories(),
    ]);
    return {
      ...base,
      projects: projects.map((p) => ({ key: p.key, name: p.name })).sort((a, b) => a.key.localeCompare(b.key)),
      repositories: repositories
        .map((r) => ({ slug: r.slug, ...(r.projectKey ? { projectKey: r.projectKey } : {}) }))
        .sort((a, b) => a.slug.localeCompare(b.slug)),
    };
  } catch (error) {
    return {
      ...base,
      projects: [],
      repositories: [],
      detail: `Bitbucket could not be read: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** The problems of each rule other than an unknown group (which the preview lists on its own), numbered as the page numbers rules: from 1. */
export function ruleProblems(
  explanations: readonly RuleExplanation[],
  rules: readonly PermissionRule[],
): RuleProblemView[] {
  return explanations
    .map((explanation) => ({
      ruleId: explanation.ruleId,
      position: rules.findIndex((rule) => rule.id === explanation.ruleId) + 1,
      problems: explanation.problems.filter((problem) => !problem.startsWith('No synced group is named')),
    }))
    .filter((view) => view.problems.length > 0);
}
