/**
 * The admin page's "Access review" section in real headless Chromium (as test/browser/admin-page.browser.test.ts
 * drives it) against the local host started as `npm start` does: three people and a group pushed over SCIM with a
 * permission rule, a direct grant made by hand in the emulated Bitbucket, then one person deactivated in the IdP.
 * The admin starts a review and reads it to its end, looks up a repository and a person, finds the leaver among
 * the flags, runs the clean-up as a dry run and then for real (the grant is gone from Bitbucket, the audit log has
 * it), starts a second review, reads the diff between the two and exports a review as CSV. Every view is
 * screenshotted into test-output/screenshots/ and checked with axe-core; any console error or page error fails.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import {
  checkPage,
  endStory,
  launchAdminBrowser,
  storySteps,
  waitUntil,
  type AdminBrowser,
} from '../support/admin-browser';
import { startLocalHostProcess, type LocalHostProcess } from '../support/local-host-process';
import { deactivation, scimGroup, scimUser } from '../support/scim-bodies';

const SYNC_WAIT_MS = 40_000;

jest.setTimeout(150_000);

let host: LocalHostProcess;
let browser: AdminBrowser | undefined;
let page: Page;
let dataDir: string;
let origin: string;
const adminKey = randomBytes(32).toString('base64url');
const scimToken = randomBytes(32).toString('base64url');
/** SCIM ids and account IDs of the pushed people, by email. */
const people = new Map<string, { id: string; accountId?: string }>();

/** A resolver call over the local bridge, as the page makes it. */
async function invoke(key: string, payload?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${origin}/admin/api/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-key': adminKey },
    body: JSON.stringify({ key, payload }),
  });
  const body = (await response.json()) as { result?: Record<string, unknown>; error?: { message: string } };
  if (body.error) throw new Error(`${key}: ${body.error.message}`);
  return body.result ?? {};
}

async function scim(
  method: string,
  resource: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${host.scimBaseUrl}/${resource}`, {
    method,
    headers: { Authorization: `Bearer ${scimToken}`, 'Content-Type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

interface EmulatorState {
  admin: { users: { accountId: string; email: string }[]; groups: { name: string; members: string[] }[] };
  bitbucket: { permissions: { kind: string; target: string; groupSlug: string; permission: string }[] };
}

async function emulatorState(): Promise<EmulatorState> {
  const response = await fetch(`${origin}/emulator/state?logs=false`, { headers: { 'x-admin-key': adminKey } });
  return (await response.json()) as EmulatorState;
}

/** A direct user grant on a repository in the emulated Bitbucket, as an admin makes one by hand (GET, PUT). */
async function directGrant(
  method: 'GET' | 'PUT',
  repository: string,
  accountId: string,
  permission?: string,
): Promise<number> {
  const response = await fetch(
    `${origin}/emulated/bitbucket/2.0/repositories/emulated-workspace/${repository}/permissions-config/users/${encodeURIComponent(accountId)}`,
    {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`admin@emulated.example:${host.emulatorKey ?? ''}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      ...(permission !== undefined ? { body: JSON.stringify({ permission }) } : {}),
    },
  );
  await response.text();
  return response.status;
}

/** Screenshots the page and checks it with axe-core (serious and critical violations fail). */
const checkView = (name: string): Promise<void> => checkPage(page, name);

const step = storySteps({ page: () => page, prefix: 'review-' });

/** Reads the running review to its end with "Read now" (the scheduled step would, every five minutes). */
async function readToEnd(): Promise<void> {
  const progress = page.getByTestId('review-progress');
  await waitUntil('the review finished', 60_000, async () => {
    const state = await progress.getAttribute('data-run-status');
    if (state === 'done') return true;
    if (state === 'failed') throw new Error(`The review failed: ${await progress.textContent()}`);
    if (await page.getByTestId('review-step').isEnabled()) await page.getByTestId('review-step').click();
    await new Promise((resolve) => setTimeout(resolve, 500));
    return false;
  });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-page-data-'));
  host = await startLocalHostProcess({
    dataDir,
    launcher: 'node',
    bearerToken: scimToken,
    env: { ADMIN_KEY: adminKey },
  });
  origin = new URL(host.scimBaseUrl).origin;
  browser = await launchAdminBrowser(origin);
  page = browser.page;

  // The IdP's people and group, and a rule: the app gives Engineering write on project PLAT.
  for (const email of ['ada@example.com', 'grace@example.com', 'alan@example.com']) {
    const created = await scim(
      'POST',
      'Users',
      scimUser(email, { emails: [{ value: email, type: 'work', primary: true }] }),
    );
    expect(created.status).toBe(201);
    people.set(email, { id: String(created.body.id) });
  }
  const group = await scim(
    'POST',
    'Groups',
    scimGroup('Engineering', {
      members: ['ada@example.com', 'grace@example.com'].map((e) => ({ value: people.get(e)?.id })),
    }),
  );
  expect(group.status).toBe(201);
  const settings = await invoke('settings/get');
  await invoke('settings/save', {
    settings: {
      ...settings,
      rules: [{ id: 'eng-plat', group: 'Engineering', projects: ['PLAT'], repositories: [], level: 'write' }],
    },
  });
  await waitUntil('the rule applied in Bitbucket', SYNC_WAIT_MS, async () =>
    (await emulatorState()).bitbucket.permissions.some((p) => p.kind === 'project' && p.target === 'PLAT'),
  );
  const state = await emulatorState();
  for (const [email, entry] of people) entry.accountId = state.admin.users.find((u) => u.email === email)?.accountId;
  const grace = people.get('grace@example.com')?.accountId ?? '';
  // Made by hand: Grace gets write on platform-api directly. Then she leaves: deactivated in the IdP.
  expect(await directGrant('PUT', 'platform-api', grace, 'write')).toBe(200);
  const patched = await scim('PATCH', `Users/${people.get('grace@example.com')?.id}`, deactivation());
  expect(patched.status).toBe(204);
  await waitUntil(
    'Grace out of the app group',
    SYNC_WAIT_MS,
    async () => !(await emulatorState()).admin.groups.some((g) => g.members.includes(grace)),
  );
}, 120_000);

afterAll(() => endStory(browser, host, [dataDir]));

afterEach(() => {
  expect(browser?.problems.splice(0) ?? []).toEqual([]);
});

describe('the Access review section', () => {
  step('starts a review, shows its progress and reads it to its end', async () => {
    await page.goto(`${origin}/admin/#key=${adminKey}`);
    await page.getByTestId('tab-review').click();
    await page.locator('[data-section="review"]').waitFor({ state: 'visible' });
    await page.getByText('No review has finished yet').waitFor();
    await page.getByTestId('review-start').click();
    await page.getByText(/Running since/).waitFor();
    await readToEnd();
    await page
      .getByTestId('review-progress')
      .getByText(/Finished .* Bitbucket request/)
      .waitFor();
    expect(await page.getByTestId('review-snapshots').locator('tbody tr').count()).toBe(1);
    await page
      .getByTestId('review-cross-check')
      .getByText(/0 differ/)
      .waitFor();
    await checkView('review-1-finished');
  });

  step('by repository: who reaches platform-api, and how; by person: what Ada reaches', async () => {
    await page.getByTestId('review-search').fill('platform-api');
    await page.getByTestId('review-search-go').click();
    await page
      .getByTestId('review-matches')
      .getByRole('button', { name: /repository platform-api/ })
      .click();
    const detail = page.getByTestId('review-detail');
    await detail.getByText('Everyone who reaches repository platform-api').waitFor();
    const grace = detail.locator('tr', { hasText: 'grace@example.com' });
    await grace.getByText('deactivated').waitFor();
    expect(await grace.textContent()).toContain('repository user: write, not made by the app');
    const ada = detail.locator('tr', { hasText: 'ada@example.com' });
    expect(await ada.textContent()).toContain(
      'project group scim-engineering (from project PLAT): write, rule eng-plat',
    );
    expect(await detail.locator('tr', { hasText: 'Emulated Admin' }).textContent()).toContain('workspace admin: admin');

    await page.getByTestId('review-search').fill('ada@');
    await page.getByTestId('review-search-go').click();
    await page.getByTestId('review-matches').getByRole('button', { name: 'person ada@example.com' }).click();
    await detail.getByText('Everything this person reaches').waitFor();
    expect(await detail.locator('tbody tr').allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringContaining('project PLAT')]),
    );
    await checkView('review-2-lookup');
  });

  step(
    'flags Grace as a leaver; the dry run removes nothing, the clean-up removes her direct grant and is audited',
    async () => {
      const leavers = page.getByTestId('review-leavers');
      await leavers.getByText('Leavers who still have access: 1').waitFor();
      await leavers.getByText('grace@example.com (deactivated): 1 direct grant(s)').waitFor();
      await page
        .getByTestId('review-orphans')
        .getByText(/Workspace members with no IdP identity: 1/)
        .waitFor();
      await page.getByTestId('review-cleanup-dry-run').click();
      await page
        .getByTestId('review-cleanup-result')
        .getByText('Dry run: 1 direct grant(s) would be removed')
        .waitFor();
      const grace = people.get('grace@example.com')?.accountId ?? '';
      expect(await directGrant('GET', 'platform-api', grace)).toBe(200);
      await checkView('review-3-dry-run');

      await page.getByTestId('review-cleanup-apply').click();
      await page.getByTestId('review-cleanup-result').getByText('1 direct grant(s) removed').waitFor();
      expect(await directGrant('GET', 'platform-api', grace)).toBe(404);
      const audited = (await invoke('audit/query', { text: 'remove-leaver-grant', limit: 50 })) as {
        entries: { outcome: string }[];
      };
      expect(audited.entries.map((e) => e.outcome).sort()).toEqual(['applied', 'planned']);
      await checkView('review-4-cleaned');
    },
  );

  step(
    'a second review finds nothing flagged, the diff shows the access Grace lost, and a review exports as CSV',
    async () => {
      await page.getByTestId('review-start').click();
      await page.getByText(/Running since/).waitFor();
      await readToEnd();
      await waitUntil(
        'two stored reviews',
        15_000,
        async () => (await page.getByTestId('review-snapshots').locator('tbody tr').count()) === 2,
      );
      await page.getByTestId('review-leavers').getByText('Leavers who still have access: 0').waitFor();

      await page.getByTestId('review-diff-go').click();
      const diff = page.getByTestId('review-diff');
      await diff.getByText('1 change(s)').waitFor();
      const grace = people.get('grace@example.com')?.accountId ?? '';
      expect((await diff.locator('tbody tr').allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').trim())).toEqual([
        `repository platform-api ${grace} lost write via repository user: write, not made by the app`,
      ]);
      await checkView('review-5-diff');

      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('review-export-csv').click()]);
      expect(csv.suggestedFilename()).toMatch(/^access-review-.*\.csv$/);
      const lines = fs
        .readFileSync(await csv.path(), 'utf8')
        .trim()
        .split(/\r?\n/);
      expect(lines[0]).toBe(
        'target_type,target,account_id,person,idp_user,idp_status,workspace_member,level,path,path_level,granted_level,via_project,via_group,origin,rules',
      );
      expect(
        lines.some(
          (line) => line.includes('ada@example.com') && line.includes('project-group') && line.includes('eng-plat'),
        ),
      ).toBe(true);
      expect(lines.some((line) => line.includes('repository-user'))).toBe(false);
      await page.getByText(/row\(s\) exported as CSV/).waitFor();
    },
  );
});
