/**
 * SETTINGS_FILE at start: the file is merged over the stored settings field by field, so a file that names only
 * `target` keeps a permission rule saved on the admin page across restarts; the start-up reports what it applied,
 * and the audit log records it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LocalHost } from '../../src/local/local-host';
import { defaultSettings } from '../../src/sync/settings';
import { describeSettingsFile, mergeSettingsPatch } from '../../src/local/settings-file';
import { startLocalHostOn } from '../support/in-process-host';

const TARGET = {
  orgId: 'org-from-file',
  directoryId: 'dir-from-file',
  workspace: 'ws-from-file',
  workspaceResourceId: 'ari:cloud:bitbucket::workspace/from-file',
};
const RULE = { id: 'devs', group: 'Developers', projects: ['CORE'], repositories: [], level: 'write' as const };

describe('SETTINGS_FILE', () => {
  let dataDir: string;
  let file: string;
  let host: LocalHost | undefined;

  const start = (settingsFile?: string): Promise<LocalHost> =>
    startLocalHostOn(dataDir, 'settings-file-token', settingsFile ? { settingsFile } : {});

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'settings-file-'));
    file = path.join(dataDir, '..', `${path.basename(dataDir)}-settings.json`);
  });

  afterEach(async () => {
    await host?.close();
    host = undefined;
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(file, { force: true });
  });

  it('with only target keeps a rule saved before the restart, says what it applied, and audits it', async () => {
    host = await start();
    await host.sync.settings.save({ ...(await host.sync.settings.get()), dryRun: true, rules: [RULE] });
    await host.close();

    writeFileSync(file, JSON.stringify({ target: TARGET }));
    host = await start(file);
    const settings = await host.sync.settings.get();
    expect(settings.rules).toEqual([RULE]);
    expect(settings.dryRun).toBe(true);
    expect(settings.target).toEqual(TARGET);
    const report = host.settingsFileReport;
    expect(report?.changed.map((c) => c.path)).toEqual([
      'target.orgId',
      'target.directoryId',
      'target.workspace',
      'target.workspaceResourceId',
    ]);
    expect(describeSettingsFile(report!)).toBe(
      `Settings file ${file} applied: target.orgId, target.directoryId, target.workspace, target.workspaceResourceId (every other setting kept its stored value)`,
    );
    const audit = await host.sync.auditLog.query({});
    const entry = audit.entries.find((e) => e.action === 'settings-file-applied');
    expect(entry).toMatchObject({
      source: 'admin',
      outcome: 'applied',
      after: { 'target.orgId': 'org-from-file' },
      before: { 'target.orgId': 'emulated-org' },
    });
    await host.close();

    // The same file again changes nothing and records nothing.
    host = await start(file);
    expect(host.settingsFileReport?.changed).toEqual([]);
    expect(describeSettingsFile(host.settingsFileReport!)).toMatch(/nothing changed/);
    expect(
      (await host.sync.auditLog.query({})).entries.filter((e) => e.action === 'settings-file-applied'),
    ).toHaveLength(1);
    expect((await host.sync.settings.get()).rules).toEqual([RULE]);
  });

  it('merges nested objects field by field and replaces lists whole', () => {
    const stored = { ...defaultSettings, operations: { ...defaultSettings.operations, create: false }, rules: [RULE] };
    const { merged, named } = mergeSettingsPatch(stored, {
      format: 'bitbucket-scim-sync/settings@1',
      operations: { deactivate: false },
      rules: [],
    });
    expect(named).toEqual(['operations.deactivate', 'rules']);
    expect(merged.operations).toEqual({ ...defaultSettings.operations, create: false, deactivate: false });
    expect(merged.rules).toEqual([]);
  });

  it('refuses an invalid file with its path and every problem, and changes nothing', async () => {
    host = await start();
    await host.sync.settings.save({ ...(await host.sync.settings.get()), rules: [RULE] });
    await host.close();
    host = undefined;
    writeFileSync(file, JSON.stringify({ target: { orgid: 'x' }, dryRun: 'yes' }));
    await expect(start(file)).rejects.toThrow(/target\.orgid.*dryRun|dryRun.*target\.orgid/);
    host = await start();
    expect((await host.sync.settings.get()).rules).toEqual([RULE]);
  });
});
