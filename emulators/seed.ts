/**
 * The identities every emulator starts with (the seed): org `emulated-org`, directory
 * `emulated-directory`, workspace `emulated-workspace`, and the workspace admin whose API token the app
 * uses. Both emulators share these, so a linked pair describes one consistent organization.
 */

/** The organization ID. */
export const EMULATED_ORG_ID = 'emulated-org';

/** The directory the app's groups and invited users live in. */
export const EMULATED_DIRECTORY_ID = 'emulated-directory';

/** The Bitbucket workspace slug. */
export const EMULATED_WORKSPACE_SLUG = 'emulated-workspace';

/** The Bitbucket workspace UUID, with the braces Bitbucket writes around UUIDs. */
export const EMULATED_WORKSPACE_UUID = '{5f1c2c7e-2d8e-4a3b-9c61-6a0e8f2b7d10}';

/**
 * The workspace's resource ID in the Admin API. Assumed form: the spec gives no Bitbucket example, and
 * `ari:cloud:bitbucket::workspace/<uuid>` is only reported (docs/notes/atlassian-admin-api.md section 3.8).
 */
export const EMULATED_BITBUCKET_RESOURCE_ID = 'ari:cloud:bitbucket::workspace/5f1c2c7e-2d8e-4a3b-9c61-6a0e8f2b7d10';

/** The workspace admin: the Atlassian account whose email and API token authenticate Bitbucket writes. */
export const EMULATED_ADMIN = {
  accountId: '712020:1b7c0d2e-5a4f-4c8e-9d3b-2f6a7e8c9d01',
  uuid: '{1b7c0d2e-5a4f-4c8e-9d3b-2f6a7e8c9d01}',
  email: 'admin@emulated.example',
  displayName: 'Emulated Admin',
  nickname: 'emulated-admin',
} as const;

/** The seeded projects: key, name. */
export const EMULATED_PROJECTS = [
  { key: 'PLAT', name: 'Platform', uuid: '{0c6f6a3e-1f0b-4f4e-8a55-3d0b9c1e2a01}' },
  { key: 'WEB', name: 'Web', uuid: '{0c6f6a3e-1f0b-4f4e-8a55-3d0b9c1e2a02}' },
] as const;

/** The seeded repositories: slug, name, project key. */
export const EMULATED_REPOSITORIES = [
  { slug: 'platform-api', name: 'platform-api', projectKey: 'PLAT', uuid: '{7a0e9d42-6b1c-4d8a-9f3e-1c2b3a4d5e01}' },
  {
    slug: 'platform-infra',
    name: 'platform-infra',
    projectKey: 'PLAT',
    uuid: '{7a0e9d42-6b1c-4d8a-9f3e-1c2b3a4d5e02}',
  },
  { slug: 'web-app', name: 'web-app', projectKey: 'WEB', uuid: '{7a0e9d42-6b1c-4d8a-9f3e-1c2b3a4d5e03}' },
] as const;
