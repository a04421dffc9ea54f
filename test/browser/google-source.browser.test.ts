/**
 * Google Workspace as the directory source on the admin page, in real headless Chromium against the local host
 * started as `npm start` does (it serves the emulated Google Workspace: 40 users, 6 nested groups with a cycle, a
 * CUSTOMER member and an outsider). The admin's story: switch the source from SCIM to Google, read the set-up steps
 * with the exact scopes, upload a service account key, name the admin and the filters, run the connection test
 * (each check by name), find "Sync now" refused until a preview is approved, preview, approve, pull, see the pull
 * and its counts on Set-up and on Status and the accounts in the emulated organization, and switch back to SCIM.
 * Every step is screenshotted into test-output/screenshots/ and checked with axe-core; any console error, page error
 * or failed request fails the test.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { newServiceAccountKey } from '../../emulators/google/google-emulator';
import { seedGoogleDomain } from '../../emulators/google/google-seed';
import { GOOGLE_READ_ONLY_SCOPES } from '../../src/sources/google/scopes';
import {
  checkPage,
  endStory,
  launchAdminBrowser,
  storySteps,
  waitUntil,
  type AdminBrowser,
} from '../support/admin-browser';
import { startLocalHostProcess, type LocalHostProcess } from '../support/local-host-process';

jest.setTimeout(150_000);

let host: LocalHostProcess;
let browser: AdminBrowser;
let page: Page;
let dataDir: string;
let keyDir: string;
let origin: string;
const adminKey = randomBytes(32).toString('base64url');
const keyFile = newServiceAccountKey('scim-sync-browser', 'browser-project');
const ORG_UNITS = ['/Engineering', '/Sales', '/Support'];
/** The accounts the pull must lead to: the seeded domain's active users in the chosen org units (and below). */
const EXPECTED_ACCOUNTS = [...seedGoogleDomain().users.values()]
  .filter(
    (u) =>
      !u.suspended && !u.archived && ORG_UNITS.some((p) => u.orgUnitPath === p || u.orgUnitPath.startsWith(`${p}/`)),
  )
  .map((u) => u.primaryEmail.toLowerCase())
  .sort();

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'google-page-data-'));
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'google-page-key-'));
  fs.writeFileSync(path.join(keyDir, 'service-account.json'), JSON.stringify(keyFile, null, 2));
  host = await startLocalHostProcess({ dataDir, launcher: 'node', env: { ADMIN_KEY: adminKey } });
  origin = new URL(host.scimBaseUrl).origin;
  browser = await launchAdminBrowser(origin);
  page = browser.page;
}, 90_000);

afterAll(() => endStory(browser, host, [dataDir, keyDir]));

afterEach(() => {
  expect(browser.problems.splice(0)).toEqual([]);
});

/** Runs one step of the story; on failure, keeps a screenshot and the host's output. */
const step = storySteps({
  page: () => page,
  prefix: 'google-',
  hostLog: { file: 'google-page-host.log', host: () => host },
});

const check = (name: string): Promise<void> => checkPage(page, name);

/** Picks an option of an Atlaskit Select by typing its label. */
async function choose(inputId: string, text: string): Promise<void> {
  await page.locator(`#${inputId}`).focus();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** The count a definition list shows for a label. */
async function countIn(testId: string, label: string): Promise<number> {
  const term = page.getByTestId(testId).locator('dt', { hasText: label });
  return Number(await term.locator('xpath=following-sibling::dd[1]').getAttribute('data-count'));
}

/** The emulated organization's accounts (the host's /emulator/state, with the admin key). */
async function emulatedAccounts(): Promise<string[]> {
  const response = await fetch(`${origin}/emulator/state?logs=false`, { headers: { 'x-admin-key': adminKey } });
  const state = (await response.json()) as { admin?: { users?: { email: string }[] } };
  return (state.admin?.users ?? [])
    .map((u) => u.email.toLowerCase())
    .filter((email) => email.endsWith('@example.com'))
    .sort();
}

describe('Google Workspace on the admin page', () => {
  step(
    'Set-up: switches the source from SCIM to Google Workspace and shows the steps with the exact scopes',
    async () => {
      await page.goto(`${origin}/admin/#key=${adminKey}`);
      await page.getByRole('heading', { level: 1, name: 'SCIM provisioning' }).waitFor();
      await page.getByTestId('tab-setup').click();
      await page.getByRole('heading', { name: 'Where users and groups come from' }).waitFor();
      expect(await page.getByTestId('google-steps').count()).toBe(0);
      await choose('setup-source', 'Google Workspace');
      await page.getByText('Google Workspace is the source').waitFor();
      const steps = page.getByTestId('google-steps');
      for (const text of [
        'create a project',
        'Admin SDK API',
        'service account',
        'Domain-wide delegation',
        'Upload the JSON key',
      ])
        expect(await steps.textContent()).toContain(text);
      expect(await page.getByTestId('google-scopes').textContent()).toBe(GOOGLE_READ_ONLY_SCOPES.join(','));
      expect(await page.getByTestId('google-key-summary').textContent()).toContain('No key uploaded yet.');
      await check('google-1-source');
    },
  );

  step(
    'Set-up: uploads the key (only its client email, client ID and key ID come back) and saves the admin, filters and schedule',
    async () => {
      await page.getByTestId('google-key-file').setInputFiles(path.join(keyDir, 'service-account.json'));
      const summary = page.getByTestId('google-key-summary');
      await waitUntil(
        'the key summary',
        10_000,
        async () => (await summary.textContent())?.includes(keyFile.client_email) ?? false,
      );
      expect(await summary.textContent()).toContain(keyFile.client_id);
      expect(await page.getByTestId('google-client-id').textContent()).toBe(keyFile.client_id);
      expect(await page.content()).not.toContain('PRIVATE KEY');

      await page.locator('#google-subject').fill('not-an-email');
      await page.getByTestId('google-save').click();
      await page.getByText('the admin to impersonate is an email address').waitFor();
      await page.locator('#google-subject').fill('gadmin@example.com');
      await choose('google-users', 'Users in these org units');
      await page.locator('#google-org-units').fill(ORG_UNITS.join(', '));
      await choose('google-groups', 'Groups whose name');
      await page.locator('#google-group-pattern').fill('team-*');
      await choose('google-schedule', 'Every 5 minutes');
      await page.getByTestId('google-save').click();
      await page.getByText('Saved. A change of the admin or the filters needs a new preview').waitFor();
      await check('google-2-settings');
    },
  );

  step('Set-up: the connection test names each check and passes', async () => {
    await page.getByTestId('google-test').click();
    const checks = page.getByTestId('google-checks').locator('li');
    await checks.first().waitFor();
    const names = await checks.locator('strong').allTextContents();
    expect(names).toEqual([
      '✓ Service account key',
      '✓ Admin to impersonate',
      '✓ Token for the admin (domain-wide delegation of the read-only scopes)',
      '✓ Read users (admin.directory.user.readonly)',
      '✓ Read groups (admin.directory.group.readonly)',
      '✓ Read group members (admin.directory.group.member.readonly)',
    ]);
    expect(await page.getByTestId('google-checks').textContent()).toContain(
      'Google issued a token for gadmin@example.com',
    );
    await check('google-3-connection');
  });

  step(
    'Set-up: Sync now waits for an approved preview; the preview shows what a pull would change, and is approved',
    async () => {
      expect(await page.getByTestId('google-sync-now').isDisabled()).toBe(true);
      expect(await page.getByTestId('google-approval').textContent()).toBe('preview and approve first');
      await page.getByTestId('google-preview').click();
      await page.getByTestId('google-preview-counts').waitFor({ timeout: 30_000 });
      expect(await countIn('google-preview-counts', 'Users to create')).toBeGreaterThan(10);
      expect(await countIn('google-preview-counts', 'Groups to create')).toBeGreaterThan(0);
      expect(await page.getByTestId('findings-preview').textContent()).toContain('outside your domain');
      expect(await emulatedAccounts()).toEqual([]);
      await check('google-4-preview');
      await page.getByTestId('google-approve').click();
      await waitUntil(
        'the approval',
        10_000,
        async () => (await page.getByTestId('google-approval').textContent()) === 'settings approved',
      );
    },
  );

  step(
    'Set-up and Status: Sync now pulls, the last pull shows its counts, and the accounts reach the organization',
    async () => {
      const toCreate = await countIn('google-preview-counts', 'Users to create');
      await page.getByTestId('google-sync-now').click();
      await page.getByTestId('google-last-pull-counts').waitFor({ timeout: 30_000 });
      expect(await countIn('google-last-pull-counts', 'Users created')).toBe(toCreate);
      expect(EXPECTED_ACCOUNTS.length).toBeGreaterThan(10);
      await waitUntil(
        'the accounts in the emulated organization',
        40_000,
        async () => JSON.stringify(await emulatedAccounts()) === JSON.stringify(EXPECTED_ACCOUNTS),
      );
      await check('google-5-pulled');
      await page.getByTestId('tab-status').click();
      const onStatus = page.getByTestId('status-google');
      await onStatus.getByTestId('google-last-pull-counts').waitFor();
      expect(await countIn('google-last-pull-counts', 'Users created')).toBe(toCreate);
      await check('google-6-status');
    },
  );

  step(
    'Set-up: switching back to SCIM hides the Google set-up; a switch to Google again needs no new key',
    async () => {
      await page.getByTestId('tab-setup').click();
      await page.getByTestId('google-steps').waitFor();
      await choose('setup-source', 'SCIM');
      await waitUntil(
        'the Google set-up to go',
        10_000,
        async () => (await page.getByTestId('google-steps').count()) === 0,
      );
      await page.getByTestId('tab-status').click();
      await page.locator('[data-section="status"]').waitFor();
      expect(await page.getByTestId('status-google').count()).toBe(0);
      await page.getByTestId('tab-setup').click();
      await choose('setup-source', 'Google Workspace');
      expect(await page.getByTestId('google-key-summary').textContent()).toContain(keyFile.client_email);
      await check('google-7-switched');
    },
  );
});
