/** The workspace listings a permission run reads (src/sync/workspace-listings.ts): kept a while, then read again. */
import { keptWorkspaceListings, LISTINGS_MAX_AGE_MS } from '../../src/sync/workspace-listings';
import type { BitbucketPermissions } from '../../src/targets/ports';
import { kvsPerTest } from '../support/kvs-per-test';

const fixture = kvsPerTest();

it('reads each listing once while it is young, passes every other call through, and reads again when it is old', async () => {
  const calls: string[] = [];
  let repositories = [{ slug: 'web-app', projectKey: 'WEB' as string | undefined }];
  const bitbucket = {
    listProjects: async () => (calls.push('projects'), [{ key: 'WEB', name: 'Web' }]),
    listRepositories: async () => (calls.push('repositories'), repositories),
    listRepositoryGroupPermissions: async (slug: string) => (calls.push(`grants ${slug}`), []),
  } as unknown as BitbucketPermissions;
  const kept = keptWorkspaceListings(bitbucket, fixture.kvs, () => fixture.clock.ms);
  expect(await kept.listProjects()).toEqual([{ key: 'WEB', name: 'Web' }]);
  expect(await kept.listRepositories()).toEqual([{ slug: 'web-app', projectKey: 'WEB' }]);
  await kept.listRepositoryGroupPermissions('web-app');
  await kept.listRepositoryGroupPermissions('web-app');
  fixture.clock.ms += LISTINGS_MAX_AGE_MS - 1;
  repositories = [...repositories, { slug: 'web-api', projectKey: 'WEB' }];
  expect(await kept.listRepositories()).toEqual([{ slug: 'web-app', projectKey: 'WEB' }]);
  await kept.listProjects();
  expect(calls).toEqual(['projects', 'repositories', 'grants web-app', 'grants web-app']);
  fixture.clock.ms += 2;
  expect((await kept.listRepositories()).map((r) => r.slug)).toEqual(['web-app', 'web-api']);
  expect(calls.at(-1)).toBe('repositories');
});
