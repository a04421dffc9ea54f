/**
 * `credentials/test`: what works and what is missing with the credentials the sync uses, one check at a time for
 * each API (the org API key and target directory on the Admin API; the workspace, repositories, the admin's
 * membership and permission administration on Bitbucket), each failure worded for the admin (targetProblem).
 */
import type { ConnectionCheck, ConnectionReport } from '../shared/admin-api';
import { targetProblem } from './admin-failure';
import type { AdminSync } from './admin-parts';
import { counted, credentialsInUse, type ReadinessDeps } from './readiness';

async function check(name: string, run: () => Promise<string>): Promise<ConnectionCheck> {
  try {
    return { name, ok: true, detail: await run() };
  } catch (error) {
    return { name, ok: false, detail: targetProblem(error) };
  }
}

/** The connection test's report: one for the Admin API, one for Bitbucket. */
export async function testConnections(deps: ReadinessDeps, sync: AdminSync): Promise<ConnectionReport[]> {
  const connected = await sync.connect({ requireDirectory: false });
  if (!connected.ok) {
    const detail = `Missing: ${connected.missing.join(', ')}`;
    return [
      { api: 'admin', ok: false, checks: [{ name: 'Configuration', ok: false, detail }] },
      { api: 'bitbucket', ok: false, checks: [{ name: 'Configuration', ok: false, detail }] },
    ] satisfies ConnectionReport[];
  }
  const { admin, bitbucket, settings } = connected;
  const credentials = await sync.credentials.load();
  const inUse = await credentialsInUse(deps, { sync });
  const adminChecks: ConnectionCheck[] = [
    { name: 'Credentials in use', ok: inUse.source !== 'none', detail: inUse.detail },
  ];
  const listed = await check(
    'Organization API key',
    async () =>
      `Accepted; the organization has ${counted((await admin.listDirectories()).length, 'directory', 'directories')}`,
  );
  adminChecks.push(listed);
  if (listed.ok) {
    adminChecks.push(
      await check('Target directory', async () => {
        if (!settings.target.directoryId) throw new Error('No target directory chosen yet');
        const found = (await admin.listDirectories()).find((d) => d.directoryId === settings.target.directoryId);
        if (!found) throw new Error(`The directory ${settings.target.directoryId} is not in the organization`);
        return `Found: ${found.name}`;
      }),
    );
    if (settings.target.directoryId) {
      adminChecks.push(
        await check('Read users and groups', async () => {
          await admin.findAccountsByEmail([credentials?.bitbucketEmail ?? 'nobody@example.invalid']);
          await admin.findGroupByName(`${settings.groupNamePrefix}connection-test`);
          return 'Users and groups of the directory can be searched';
        }),
      );
    }
  }
  adminChecks.push({
    name: 'Bitbucket product',
    ok: settings.target.workspaceResourceId !== '' && settings.bitbucketRoleId !== '',
    detail:
      settings.target.workspaceResourceId !== ''
        ? `Access is granted through role ${settings.bitbucketRoleId} on ${settings.target.workspaceResourceId}`
        : 'Set the Bitbucket workspace resource id in the settings',
  });
  const bitbucketChecks: ConnectionCheck[] = [];
  const projects = await check(
    'Workspace and API token',
    async () =>
      `Accepted; ${counted((await bitbucket.listProjects()).length, 'project', 'projects')} in ${settings.target.workspace}`,
  );
  bitbucketChecks.push(projects);
  if (projects.ok) {
    let firstRepository: string | undefined;
    bitbucketChecks.push(
      await check('Repositories', async () => {
        const repositories = await bitbucket.listRepositories();
        firstRepository = repositories[0]?.slug;
        return `${counted(repositories.length, 'repository', 'repositories')} visible`;
      }),
    );
    bitbucketChecks.push(
      await check('Admin email is a workspace member', async () => {
        const email = credentials?.bitbucketEmail;
        if (!email) return 'Not checked: the emulated credentials have no email';
        const found = await bitbucket.findMembersByEmail([email]);
        if (found.length === 0) throw new Error(`${email} is not a member of ${settings.target.workspace}`);
        return `${email} is a member`;
      }),
    );
    if (firstRepository) {
      const slug = firstRepository;
      bitbucketChecks.push(
        await check('Permission administration', async () => {
          await bitbucket.listRepositoryGroupPermissions(slug);
          return `Group permissions of ${slug} can be read, which needs workspace or repository admin`;
        }),
      );
    }
  }
  return [
    { api: 'admin', ok: adminChecks.every((c) => c.ok), checks: adminChecks },
    { api: 'bitbucket', ok: bitbucketChecks.every((c) => c.ok), checks: bitbucketChecks },
  ] satisfies ConnectionReport[];
}
