/**
 * The rule editor's rules for people: positions count from 1 as the page numbers its rows (`rules[2]` in a server
 * message is "rule 3" here), `create-repo` is offered only to rules without repository patterns (it exists for
 * projects only: docs/settings.md, "Permission rules"), and a picked project or repository is added to a list
 * typed as text without repeating it.
 */
import type { RuleLevel } from '../../../../src/shared/settings-types';

/** Replaces every `rules[N]` with `rule N+1`, the way the page numbers rules. */
export function humanRulePaths(text: string): string {
  return text.replace(/rules\[(\d+)\]/g, (_match, index: string) => `rule ${Number(index) + 1}`);
}

/** The items of a list typed as text (commas or spaces between them). */
export function listItems(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The list text with `item` added at the end, unless it is there already (case-insensitively). */
export function withItem(text: string, item: string): string {
  const items = listItems(text);
  if (items.some((existing) => existing.toLowerCase() === item.toLowerCase())) return items.join(', ');
  return [...items, item].join(', ');
}

/** Whether a level can be chosen for a rule with these repository patterns: create-repo only without any. */
export function levelAllowed(level: RuleLevel, repositories: string): boolean {
  return level !== 'create-repo' || listItems(repositories).length === 0;
}
