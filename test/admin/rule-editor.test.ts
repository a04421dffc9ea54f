/**
 * The rule editor (first hour, item 5): pickers offer the pushed groups and the workspace's projects and
 * repositories, a rule on a project that does not exist previews with a warning, rule positions count from 1 as
 * the page does, and create-repo is not offered to a rule with repository patterns.
 */
import { humanRulePaths, levelAllowed, withItem } from '../../static/admin/src/rules/rule-editing';
import { inProcessHostPerTest } from '../support/in-process-host';
import { adminCaller, adminContext } from '../support/admin-harness';
import { scimOverHttp } from '../support/sync-state';

const CONTEXT = adminContext('557058:rules-admin');

describe('the rule editor', () => {
  const started = inProcessHostPerTest({ bearerToken: 'rule-editor-token' });

  const call = adminCaller(() => started.host, CONTEXT);

  it("offers the pushed groups and the workspace's projects and repositories to pick from", async () => {
    const scim = scimOverHttp(started.host.scimBaseUrl, 'rule-editor-token');
    for (const displayName of ['Platform Team', 'Engineering'])
      expect((await scim('POST', '/Groups', { displayName })).status).toBe(201);
    const targets = await call('rules/targets', undefined);
    expect(targets.groups).toEqual(['Engineering', 'Platform Team']);
    expect(targets.projects.map((p) => p.key)).toEqual(expect.arrayContaining(['PLAT', 'WEB']));
    expect(targets.repositories.map((r) => r.slug)).toEqual(expect.arrayContaining(['platform-api', 'web-app']));
    expect(targets.detail).toBeUndefined();
  });

  it('warns about a rule on a project that does not exist (and a pattern matching nothing), numbering rules from 1', async () => {
    const preview = await call('rules/preview', {
      rules: [
        { id: 'ok', group: 'Engineering', projects: ['PLAT'], repositories: [], level: 'read' },
        { id: 'typo', group: 'Engineering', projects: ['PLTA'], repositories: ['nothing-*'], level: 'write' },
      ],
    });
    expect(preview.ruleProblems).toEqual([
      {
        ruleId: 'typo',
        position: 2,
        problems: ['Unknown project key: PLTA', 'Pattern "nothing-*" matches no repository'],
      },
    ]);
  });

  it('speaks of rule 3 where the server says rules[2]', () => {
    expect(humanRulePaths('rules[2].level')).toBe('rule 3.level');
    expect(humanRulePaths('rules[1].id: repeats the id of rules[0]')).toBe('rule 2.id: repeats the id of rule 1');
  });

  it('does not offer create-repo to a rule with repository patterns', () => {
    expect(levelAllowed('create-repo', 'api-*')).toBe(false);
    expect(levelAllowed('create-repo', '')).toBe(true);
    expect(levelAllowed('admin', 'api-*')).toBe(true);
    expect(withItem('PLAT, web', 'WEB')).toBe('PLAT, web');
    expect(withItem('PLAT', 'WEB')).toBe('PLAT, WEB');
  });
});
