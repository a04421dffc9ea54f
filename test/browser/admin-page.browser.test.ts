/**
 * The admin page in real headless Chromium (Debian's package, driven by playwright-core) against the real local
 * host started as `npm start` does, walking an admin's story: pick the IdP, generate a token, push users and a
 * group over SCIM with that token, watch them appear in Status with their state, add a permission rule and
 * preview its grants, find the changes in the audit log and export it, run the Diagnostics and find their results
 * on Status. Every section is screenshotted into test-output/screenshots/ and checked with axe-core; any console
 * error or page error fails the test.
 *
 * The page is built by `npm run build:ui` (the first step of `npm test`) and Chromium is installed by
 * scripts/ensure-chromium.sh; the test fails with a clear message when either is missing.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import {
  checkPage,
  endStory,
  launchAdminBrowser,
  screenshot,
  SCREENSHOTS,
  seriousViolations,
  storySteps,
  waitUntil,
  type AdminBrowser,
} from '../support/admin-browser';
import { startLocalHostProcess, type LocalHostProcess } from '../support/local-host-process';
import { deactivation, scimGroup, scimUser } from '../support/scim-bodies';

/**
 * How long the page may take to show what the sync did: a write's trailing drain comes up to 11 s after the kick, and a
 * full sync's jobs are paced in KVS units per lane (src/sync/call-budget.ts CONSUMER_BUDGET) on a machine the whole
 * suite shares.
 */
const SYNC_WAIT_MS = 75_000;

jest.setTimeout(150_000);

let host: LocalHostProcess;
let browser: AdminBrowser | undefined;
let context: BrowserContext;
let page: Page;
let dataDir: string;
let origin: string;
const adminKey = randomBytes(32).toString('base64url');
/** What went wrong in the browser: the story page's problems as the launch collects them, and the other pages' (added below). */
let problems: string[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-page-data-'));
  host = await startLocalHostProcess({ dataDir, launcher: 'node', env: { ADMIN_KEY: adminKey } });
  origin = new URL(host.scimBaseUrl).origin;
  browser = await launchAdminBrowser(origin);
  ({ context, page, problems } = browser);
}, 90_000);

afterAll(() => endStory(browser, host, [dataDir]));

afterEach(() => {
  const found = problems.splice(0);
  expect(found).toEqual([]);
});

/** Opens a section by its tab. */
async function openSection(id: string): Promise<void> {
  await page.getByTestId(`tab-${id}`).click();
  await page.locator(`[data-section="${id}"]`).waitFor({ state: 'visible' });
}

/** The count the Status section shows for a state. */
async function countOf(state: string): Promise<number> {
  return Number(await page.getByTestId(`status-count-${state}`).getAttribute('data-count'));
}

/** Runs one step of the story; on failure, keeps a screenshot of what the page showed and the host's output. */
const step = storySteps({ page: () => page, prefix: '', hostLog: { file: 'admin-page-host.log', host: () => host } });

/** Screenshots the section and checks it with axe. */
const checkSection = (name: string): Promise<void> => checkPage(page, name);

async function scim(
  method: string,
  resource: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${host.scimBaseUrl}/${resource}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/scim+json',
      Accept: 'application/scim+json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function user(userName: string, given: string, family: string): unknown {
  return scimUser(userName, {
    name: { givenName: given, familyName: family },
    emails: [{ value: userName.includes('@') ? userName : `${userName}@example.com`, type: 'work', primary: true }],
  });
}

let token = '';
/** SCIM ids of the pushed users by userName. */
const userIds = new Map<string, string>();

describe('the admin page on the local host', () => {
  step('opens with the key from the URL, then hides the key', async () => {
    await page.goto(`${origin}/admin/#key=${adminKey}`);
    await page.getByRole('heading', { level: 1, name: 'SCIM provisioning' }).waitFor();
    await page.getByText('Set-up is not finished').waitFor();
    expect(page.url()).toBe(`${origin}/admin/`);
    // A key set in ADMIN_KEY is not echoed: only its last four characters.
    expect(host.stdout()).toContain(
      `Admin page: ${origin}/admin/#key=<the value of ADMIN_KEY> (…${adminKey.slice(-4)})`,
    );
    expect(host.stdout()).not.toContain(adminKey);
  });

  step('Set-up: picks Okta, shows its guide with the base URL, generates a token shown once', async () => {
    await openSection('setup');
    await page.getByText('Choose your identity provider').first().waitFor();
    await page.locator('#setup-idp').focus();
    await page.keyboard.type('Okta');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Set-up guide: Okta' }).waitFor();
    const guide = page.getByTestId('setup-guide');
    await guide.getByRole('heading', { name: 'Connect Okta to the app' }).waitFor();
    expect(await guide.textContent()).toContain(`SCIM connector base URL: ${host.scimBaseUrl}`);
    expect(await guide.textContent()).not.toContain('{{');
    expect(await page.locator('#setup-base-url').inputValue()).toBe(host.scimBaseUrl);

    await page.locator('#setup-token-label').fill('Okta production');
    await page.getByTestId('setup-generate-token').click();
    const issued = page.locator('#setup-issued-token');
    await issued.waitFor();
    token = await issued.inputValue();
    expect(token.length).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Copy bearer token' }).click();
    await page.getByText('Copied', { exact: true }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token);
    await page.getByRole('cell', { name: 'Okta production' }).waitFor();
    expect(await guide.textContent()).toContain(`it ends in …${token.slice(-4)}`);
    await checkSection('1-setup');
  });

  step(
    'Banner: once set up it waits for the identity provider, and says provisioning runs only after the IdP reached the app',
    async () => {
      await page.getByText('Waiting for your identity provider').waitFor();
      expect(await page.getByText('Provisioning is running').count()).toBe(0);
      expect((await scim('GET', 'Users?filter=userName%20eq%20%22nobody%40example.com%22', token)).status).toBe(200);
      // The banner asks again every 10 seconds.
      await page.getByText('Provisioning is running').waitFor({ timeout: 20_000 });
    },
  );

  step('Status: users and a group pushed over SCIM with that token appear with their state', async () => {
    const created = [];
    for (const [userName, given, family] of [
      ['ada@example.com', 'Ada', 'Lovelace'],
      ['grace@example.com', 'Grace', 'Hopper'],
      ['alan@example.com', 'Alan', 'Turing'],
      ['no-email-login', 'Nemo', 'Nobody'],
    ] as const) {
      const response = await scim('POST', 'Users', token, user(userName, given, family));
      expect(response.status).toBe(201);
      created.push(response.body.id as string);
      userIds.set(userName, response.body.id as string);
    }
    const group = await scim(
      'POST',
      'Groups',
      token,
      scimGroup('Engineering', { members: [{ value: created[0] }, { value: created[1] }] }),
    );
    expect(group.status).toBe(201);

    await openSection('status');
    const synced = page.getByTestId('status-count-synced');
    // Three users and the group end up synced; the user whose userName is no email is skipped.
    await waitUntil(
      '3 users and the group synced, 1 user skipped',
      SYNC_WAIT_MS,
      async () => (await countOf('synced')) >= 4 && (await countOf('skipped')) >= 1,
    );
    await synced.click();
    const names = page.getByTestId('status-items').getByTestId('status-item-name');
    await page.getByTestId('status-items').getByText('Engineering').waitFor();
    expect(await names.allTextContents()).toEqual(
      expect.arrayContaining(['Engineering', 'ada@example.com', 'alan@example.com', 'grace@example.com']),
    );
    await page.getByTestId('status-count-skipped').click();
    await page.getByTestId('status-items').getByText('no-email-login').waitFor();
    await page.getByRole('img', { name: /Audit entries per hour by outcome/ }).waitFor();
    await checkSection('5-status');
  });

  step('Status: requests with a wrong token show up as failed sign-ins with their address', async () => {
    for (let i = 0; i < 2; i += 1) expect((await scim('GET', 'Users', 'a-stale-token', undefined)).status).toBe(401);
    await openSection('status');
    const notice = page.getByTestId('status-auth-failures');
    await notice.getByText('SCIM requests with a wrong token').waitFor({ timeout: 15_000 });
    await notice.getByText(/2 requests this hour .* from 127\.0\.0\.1/).waitFor();
    await checkSection('5b-status-auth-failures');
  });

  step('Group permissions: a rule for the pushed group previews its grants and the diff, and saves', async () => {
    await openSection('permissions');
    await page.getByText('No rules yet').waitFor();
    await page.getByTestId('permissions-add-rule').click();
    await page.getByTestId('rule-0-group').fill('Engineering');
    await page.getByTestId('rule-0-projects').fill('PLAT');
    await page.getByTestId('rule-0-repositories').fill('web-*');
    await page.locator('#rule-0-level').selectOption('write');
    await page.getByTestId('permissions-preview').click();
    const preview = page.getByTestId('permissions-preview-result');
    await preview.waitFor();
    await preview.getByText('2 to add').waitFor();
    const rows = await preview.locator('tbody tr').allInnerTexts();
    expect(rows.map((row) => row.replace(/\s+/g, ' ').trim())).toEqual([
      'Project PLAT Engineering — write add rule-1',
      'Repository web-app Engineering — write add rule-1',
    ]);
    await page.getByTestId('permissions-save').click();
    await page.getByText('Saved.').waitFor();
    // Once the permission sync has applied the rule, the same preview finds both grants in Bitbucket.
    await waitUntil('the grants applied in Bitbucket', SYNC_WAIT_MS, async () => {
      await page.getByTestId('permissions-preview').click();
      await preview.waitFor();
      return preview.getByText('2 unchanged').isVisible();
    });
    expect((await preview.locator('tbody tr').allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').trim())).toEqual([
      'Project PLAT Engineering write write same rule-1',
      'Repository web-app Engineering write write same rule-1',
    ]);
    await checkSection('4-permissions');
  });

  step('Audit log: finds the changes, filters by outcome, and exports CSV and JSON', async () => {
    await openSection('audit');
    await page.locator('#audit-text').fill('ada@example.com');
    await page.getByTestId('audit-apply').click();
    const table = page.getByTestId('audit-entries');
    await table.getByText('create-user').first().waitFor();
    expect(await table.textContent()).toContain('User ada@example.com');

    await page.locator('#audit-text').fill('');
    await page.locator('#audit-outcome').focus();
    await page.keyboard.type('skipped');
    await page.keyboard.press('Enter');
    await page.getByTestId('audit-apply').click();
    await table.getByText('no-email-login').first().waitFor();

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export-csv').click()]);
    expect(csv.suggestedFilename()).toMatch(/^scim-audit-.*\.csv$/);
    const csvText = fs.readFileSync(await csv.path(), 'utf8');
    const csvLines = csvText.trim().split(/\r?\n/);
    expect(csvLines.length).toBeGreaterThan(1);
    expect(csvLines[0]).toContain('outcome');
    expect(csvLines.slice(1).every((line) => line.includes('skipped'))).toBe(true);
    expect(csvText).toContain('no-email-login');

    await page.getByText('Clear filters').click();
    await table.getByText('settings-saved').first().waitFor();
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export-json').click()]);
    expect(json.suggestedFilename()).toMatch(/^scim-audit-.*\.json$/);
    const exported = JSON.parse(fs.readFileSync(await json.path(), 'utf8')) as unknown;
    const entries = (Array.isArray(exported) ? exported : (exported as { entries: unknown[] }).entries) as {
      action: string;
      target: { display?: string };
    }[];
    const actions = new Set(entries.map((entry) => entry.action));
    for (const action of ['idp-chosen', 'token-issued', 'create-user', 'create-group', 'settings-saved'])
      expect(actions).toContain(action);
    expect(entries.some((entry) => entry.target.display === 'grace@example.com')).toBe(true);
    await page.getByText(/entries exported as JSON/).waitFor();
    await checkSection('6-audit');
  });

  step(
    'Provisioning: the username transform is validated and previewed live over samples and recent userNames',
    async () => {
      await openSection('provisioning');
      await page.getByText('Username transform', { exact: true }).click();
      await page.getByTestId('provisioning-pattern').fill('(.*');
      await page.getByText('This transform cannot be used').waitFor();
      await page.getByTestId('provisioning-pattern').fill('(.*)@example\\.com');
      await page.getByTestId('provisioning-replacement').fill('$1@corp.example');
      const preview = page.getByTestId('provisioning-preview');
      await preview.getByText('ada@corp.example').waitFor();
      expect(await preview.textContent()).toContain('recent');
      await checkSection('3-provisioning');
    },
  );

  step('Provisioning: the circuit breaker pauses a mass deactivation until the admin confirms it', async () => {
    // Transform off again; deactivation suspends the account; the breaker lets one deactivation per window through.
    await page.getByText('Username transform', { exact: true }).click();
    await page.getByText('Suspend the account in the org directory (all products)').click();
    await page.locator('#provisioning-share').fill('0');
    await page.locator('#provisioning-minimum').fill('1');
    await page.locator('#provisioning-window').fill('abc');
    await page.getByTestId('provisioning-save').click();
    await page.locator('#provisioning-window-error').getByText('must be an integer').waitFor();
    await page.locator('#provisioning-window').fill('60');
    await page.getByTestId('provisioning-save').click();
    await page.getByText('Saved.').waitFor();

    for (const userName of ['alan@example.com', 'grace@example.com']) {
      const id = userIds.get(userName) ?? '';
      const response = await scim('PATCH', `Users/${id}`, token, deactivation());
      expect([200, 204]).toContain(response.status);
    }
    await openSection('status');
    // "Sync now" queues a reconcile, so this step does not wait for the dispatcher's trailing drain.
    await page.getByTestId('status-sync-now').click();
    await page.getByText('A full sync is queued.').waitFor();
    await page.getByRole('heading', { name: 'Deactivations are paused' }).waitFor({ timeout: SYNC_WAIT_MS });
    await page.getByText(/1 deactivation waits/).waitFor();
    await openSection('provisioning');
    const breaker = page.getByTestId('provisioning-breaker');
    await breaker.getByText('Deactivations are paused: the circuit breaker tripped').waitFor();
    await page.getByTestId('provisioning-preview').getByText('Matched as').waitFor();
    await checkSection('3-provisioning-breaker');
    await breaker.getByRole('button', { name: 'Confirm and resume deactivations' }).click();
    await page.getByText('Deactivations resume').waitFor();
    await openSection('audit');
    await page.getByTestId('audit-entries').getByText('breaker-confirmed').first().waitFor();
  });

  step('Connections: the emulated organization passes the connection test and offers its directory', async () => {
    // From the Provisioning tab, the arrow keys move along the tab list and open the section they land on.
    await page.getByTestId('tab-provisioning').focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByTestId('tab-connections').getAttribute('aria-selected')).toBe('true');
    await page.locator('[data-section="connections"]').waitFor();
    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(
        'document.activeElement?.closest("[role=tabpanel]") !== null || document.activeElement?.getAttribute("role") === "tabpanel"',
      ),
    ).toBe(true);
    await page.getByTestId('connections-test').click();
    const report = page.getByTestId('connections-report');
    await report.getByText('Atlassian Admin API: works').waitFor();
    await report.getByText('Bitbucket: works').waitFor();
    await page.getByText('Emulated directory (emulated-directory)').waitFor();
    await checkSection('2-connections');
  });

  step('Import and export: downloads the settings, and lists every problem of an invalid import by path', async () => {
    await openSection('settings');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('settings-export').click()]);
    const settings = JSON.parse(fs.readFileSync(await download.path(), 'utf8')) as {
      rules: { group: string; projects: string[] }[];
    };
    expect(settings.rules).toEqual([expect.objectContaining({ group: 'Engineering', projects: ['PLAT'] })]);
    await page
      .getByTestId('settings-document')
      .fill(JSON.stringify({ ...settings, dryRun: 'yes', rules: [{ ...settings.rules[0], level: 'owner' }] }, null, 2));
    await page.getByTestId('settings-import').click();
    const errors = page.getByTestId('settings-import-errors');
    await errors.getByText('rules[0].level').waitFor();
    await errors.getByText('dryRun', { exact: true }).waitFor();
    await checkSection('7-settings');
  });

  step(
    'Diagnostics: runs the checks inside the installation and shows what was assumed, observed and what the app does',
    async () => {
      await openSection('diagnostics');
      await page.getByText('These run against the emulated Atlassian APIs').waitFor();
      await page
        .getByTestId('diagnostics-check-group-slug')
        .getByText(/^Not run yet/)
        .waitFor();
      await page.getByTestId('diagnostics-run-all').click();
      await page.getByTestId('diagnostics-progress').getByText('Ran 4 checks.').waitFor({ timeout: 30_000 });
      for (const check of ['kvs-conditions', 'storage-outbound', 'egress', 'install-context']) {
        const result = page.getByTestId(`diagnostics-result-${check}`);
        await result.waitFor();
        expect(await result.getAttribute('data-verdict')).toBe('as-assumed');
        await result.getByText('As assumed', { exact: true }).waitFor();
      }
      expect(await page.getByTestId('diagnostics-observed-storage-outbound').textContent()).toContain(
        'storage requests count',
      );
      expect(await page.getByTestId('diagnostics-observed-install-context').textContent()).toContain(
        'emulated-workspace',
      );
      expect(await page.getByTestId('diagnostics-reaction-egress').textContent()).toContain('Nothing changes');

      // The group-slug check writes a scratch group and a grant: nothing runs before a repository is picked and confirmed.
      const slug = page.getByTestId('diagnostics-check-group-slug');
      expect(await page.getByTestId('diagnostics-slug-start').isDisabled()).toBe(true);
      await page.locator('#diagnostics-repository').focus();
      await page.keyboard.type('web-app');
      await page.keyboard.press('Enter');
      await page.getByTestId('diagnostics-slug-start').click();
      await slug.getByText('Create a scratch group and a grant?').waitFor();
      await slug.getByRole('button', { name: 'Cancel' }).click();
      expect(await page.getByTestId('diagnostics-result-group-slug').count()).toBe(0);
      await page.getByTestId('diagnostics-slug-start').click();
      await page.getByTestId('diagnostics-slug-confirm').click();
      const slugResult = page.getByTestId('diagnostics-result-group-slug');
      await slugResult.waitFor({ timeout: 30_000 });
      expect(await slugResult.getAttribute('data-verdict')).toBe('as-assumed');
      expect(await page.getByTestId('diagnostics-observed-group-slug').textContent()).toMatch(
        /read grant for scim-diagnostics-[0-9a-f]{8}/,
      );
      await slugResult.getByText('Steps (8)').click();
      await slugResult.getByText('Clean up: group scim-diagnostics-', { exact: false }).waitFor();
      await checkSection('10-diagnostics');

      // The results stay on Status until the checks run again.
      await openSection('status');
      const summary = page.getByTestId('status-diagnostics');
      await summary.getByTestId('status-diagnostic-group-slug').waitFor();
      expect(await summary.locator('li').count()).toBe(5);
      expect(await summary.locator('li[data-verdict="as-assumed"]').count()).toBe(5);
      await checkSection('5-status-diagnostics');
    },
  );

  step(
    'Connections: a saved key comes back masked with its expiry warning; an expiry without its token is refused on its field',
    async () => {
      await openSection('connections');
      const inFiveDays = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
      await page.locator('#connections-bitbucketApiTokenExpiresAt').fill(inFiveDays);
      await page.getByTestId('connections-save').click();
      await page
        .locator('#connections-bitbucketApiTokenExpiresAt-error')
        .getByText('cannot be set before bitbucketApiToken is')
        .waitFor();

      await page.locator('#connections-bitbucketApiTokenExpiresAt').fill('');
      await page.locator('#connections-orgApiKey').fill('test-org-api-key-WXYZ');
      await page.locator('#connections-orgApiKeyExpiresAt').fill(inFiveDays);
      await page.getByTestId('connections-save').click();
      await page.getByText('Saved.').waitFor();
      await page.getByText('••••WXYZ').first().waitFor();
      await page.getByText(/Org API key expires in \d days/).waitFor();
      await page.getByText('A credential expires soon').waitFor();
      expect(await page.locator('#connections-orgApiKey').inputValue()).toBe('');
      expect(await page.content()).not.toContain('test-org-api-key');
      await checkSection('8-connections-saved');
    },
  );

  step('Local: without a key the page says where to find it; with a wrong key it shows the refusal', async () => {
    const other = await context.newPage();
    const refused: string[] = [];
    other.on('console', (message) => {
      if (message.type() !== 'error') return;
      // Chromium reports every 401 answer as a console error; those are the point of this step.
      if (/status of 401/.test(message.text())) refused.push(message.text());
      else problems.push(`console error (keyless page): ${message.text()}`);
    });
    other.on('pageerror', (error) => problems.push(`page error (keyless page): ${error.message}`));
    try {
      await other.goto(`${origin}/admin/`);
      await other.getByText('Open the admin URL that npm start printed').waitFor();
      await other.goto(`${origin}/admin/#key=not-the-key`);
      await other.getByText("The app's state could not be read").waitFor();
      await other
        .getByText(/admin key is missing or wrong/)
        .first()
        .waitFor();
      expect(refused.length).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  step(
    'Forge: inside a Custom UI frame the same build calls the resolvers through @forge/bridge and shows their failures',
    async () => {
      // A stand-in for the iframe's host bridge: `invoke` goes to the local resolvers, except one call answered
      // the way Forge's resolver adapter answers a refused caller.
      const forgePage = await context.newPage();
      forgePage.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error (Forge page): ${message.text()}`);
      });
      forgePage.on('pageerror', (error) => problems.push(`page error (Forge page): ${error.message}`));
      await forgePage.addInitScript((key: string) => {
        const scope = globalThis as unknown as { __bridge: unknown; __forgeCalls: string[] };
        scope.__forgeCalls = [];
        scope.__bridge = {
          callBridge: async (type: string, data: { functionKey: string; payload: unknown }) => {
            if (type !== 'invoke') return undefined;
            scope.__forgeCalls.push(data.functionKey);
            if (data.functionKey === 'tokens/list')
              return { error: { reason: 'not-admin', message: 'You are not an admin of this workspace.' } };
            const response = await fetch('/admin/api/invoke', {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-admin-key': key },
              body: JSON.stringify({ key: data.functionKey, payload: data.payload }),
            });
            const body = (await response.json()) as { result?: unknown; error?: unknown };
            return 'error' in body ? body : body.result;
          },
        };
      }, adminKey);
      try {
        await forgePage.goto(`${origin}/admin/`);
        await forgePage.getByText('Provisioning is running').waitFor();
        await forgePage.getByText('Could not load tokens').waitFor();
        await forgePage
          .getByText('Only workspace admins can do this. You are not an admin of this workspace.')
          .waitFor();
        await forgePage.getByRole('heading', { name: 'Set-up guide: Okta' }).waitFor();
        const calls = (await forgePage.evaluate('globalThis.__forgeCalls')) as string[];
        expect(calls).toEqual(expect.arrayContaining(['status/get', 'setup/get', 'scim/get-base-url', 'tokens/list']));
      } finally {
        await forgePage.close();
      }
    },
  );

  step(
    'Forge: when a resolver needs the admin to allow access, the page asks for it and loads once it is allowed',
    async () => {
      // A stand-in for the iframe's host bridge. Until the test "allows access", `invoke` rejects the way the
      // resolver's rethrown consent request arrives (src/forge/admin-resolver.ts): first as @forge/api 8.3.0 names
      // it, then as a plain Error that kept only the message (a custom name may not survive between frames), then
      // as the resolver's own grant-required refusal (Bitbucket answered 401).
      const forgePage = await context.newPage();
      forgePage.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error (Forge consent page): ${message.text()}`);
      });
      forgePage.on('pageerror', (error) => problems.push(`page error (Forge consent page): ${error.message}`));
      await forgePage.addInitScript((key: string) => {
        type Mode = 'consent-error' | 'consent-message' | 'grant-required' | 'allowed';
        const scope = globalThis as unknown as { __bridge: unknown; __forgeCalls: string[]; __forgeMode: Mode };
        scope.__forgeCalls = [];
        scope.__forgeMode = 'consent-error';
        scope.__bridge = {
          callBridge: async (type: string, data: { functionKey: string; payload: unknown }) => {
            if (type !== 'invoke') return undefined;
            scope.__forgeCalls.push(`${scope.__forgeMode} ${data.functionKey}`);
            if (scope.__forgeMode === 'consent-error')
              throw Object.assign(new Error('Authentication Required'), {
                name: 'NEEDS_AUTHENTICATION_ERR',
                status: 401,
              });
            if (scope.__forgeMode === 'consent-message')
              throw new Error('There was an error invoking the function - Authentication Required');
            if (scope.__forgeMode === 'grant-required')
              return {
                error: {
                  reason: 'grant-required',
                  message: 'Allow the app to access Bitbucket on your behalf, then try again',
                },
              };
            const response = await fetch('/admin/api/invoke', {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-admin-key': key },
              body: JSON.stringify({ key: data.functionKey, payload: data.payload }),
            });
            const body = (await response.json()) as { result?: unknown; error?: unknown };
            return 'error' in body ? body : body.result;
          },
        };
      }, adminKey);
      const calls = async (): Promise<string[]> => (await forgePage.evaluate('globalThis.__forgeCalls')) as string[];
      const setMode = async (mode: string): Promise<void> => {
        await forgePage.evaluate(`globalThis.__forgeMode = ${JSON.stringify(mode)}`);
      };
      try {
        await forgePage.goto(`${origin}/admin/`);
        const consent = forgePage.getByTestId('consent-required');
        await consent.getByText('Allow the app to access Bitbucket as you').waitFor();
        await consent.getByText(/choose Allow access, then select Try again/).waitFor();
        // Nothing else loads while access is missing: no sections, no error banner.
        expect(await forgePage.getByTestId('tab-setup').count()).toBe(0);
        expect(await forgePage.getByText("The app's state could not be read").count()).toBe(0);
        // The sections' first calls go out beside the status call and meet the same refusal; only the panel remains.
        expect(await calls()).toContain('consent-error status/get');
        await forgePage.screenshot({ path: path.join(SCREENSHOTS, '9-forge-consent.png'), fullPage: true });
        expect(await seriousViolations(forgePage)).toEqual([]);

        for (const mode of ['consent-message', 'grant-required']) {
          await setMode(mode);
          await consent.getByRole('button', { name: 'Try again' }).click();
          await waitUntil(`the retry through ${mode}`, 10_000, async () =>
            (await calls()).includes(`${mode} status/get`),
          );
          await consent.getByText('Allow the app to access Bitbucket as you').waitFor();
          expect(await forgePage.getByTestId('tab-setup').count()).toBe(0);
        }

        await setMode('allowed');
        await consent.getByRole('button', { name: 'Try again' }).click();
        await forgePage.getByText('Provisioning is running').waitFor();
        await forgePage.getByTestId('tab-setup').waitFor();
        expect(await consent.count()).toBe(0);
      } finally {
        await forgePage.close();
      }
    },
  );

  step(
    'Set-up: after a rotation the guide names the new token; revoking asks first, and cancel keeps the token',
    async () => {
      // A rotation while two tokens are valid is refused (src/auth/bearer-tokens.ts): leave one valid first.
      const invoke = async (key: string, payload: unknown = {}): Promise<unknown> => {
        const response = await fetch(`${origin}/admin/api/invoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-admin-key': adminKey },
          body: JSON.stringify({ key, payload }),
        });
        return ((await response.json()) as { result?: unknown }).result;
      };
      const live = (await invoke('tokens/list')) as { id: string }[];
      for (const token of live.slice(0, Math.max(0, live.length - 1))) await invoke('tokens/revoke', { id: token.id });
      await page.reload();
      await openSection('setup');
      await page.locator('#setup-overlap').fill('24');
      await page.getByRole('button', { name: 'Rotate tokens' }).click();
      const issued = page.locator('#setup-issued-token');
      await issued.waitFor();
      const rotated = await issued.inputValue();
      await page.getByRole('button', { name: 'I have copied it' }).click();
      const guide = page.getByTestId('setup-guide');
      await guide.getByText(`A token ending in …${rotated.slice(-4)} is active`).waitFor();
      expect(await guide.textContent()).toContain(`The token ending in …${token.slice(-4)} is being retired`);
      await page.getByText(/retiring: valid until/).waitFor();

      // Revoke is not one click: the page names the consequence and waits.
      await page.getByRole('button', { name: `Revoke token ending in ${token.slice(-4)}` }).click();
      const confirmation = page.getByTestId('setup-revoke-confirmation');
      await confirmation.getByText(`Revoke the token ending in …${token.slice(-4)}?`).waitFor();
      expect(await confirmation.textContent()).toContain('fails every provisioning cycle');
      await checkSection('1-setup-revoke-confirmation');
      await page.getByTestId('setup-revoke-cancel').click();
      expect(await confirmation.count()).toBe(0);
      expect((await scim('GET', 'ServiceProviderConfig', token)).status).toBe(200);
      await page.getByRole('button', { name: `Revoke token ending in ${token.slice(-4)}` }).click();
      await page.getByTestId('setup-revoke-confirm').click();
      await waitUntil(
        'the retiring token is gone from the list',
        10_000,
        async () =>
          (await page.getByRole('button', { name: `Revoke token ending in ${token.slice(-4)}` }).count()) === 0,
      );
      expect((await scim('GET', 'ServiceProviderConfig', token)).status).toBe(401);
      expect((await scim('GET', 'ServiceProviderConfig', rotated)).status).toBe(200);
      token = rotated;
    },
  );

  step('Status: "A full sync is queued." shows after Sync now and goes once the sync is idle again', async () => {
    await openSection('status');
    await page.getByTestId('status-sync-now').click();
    await page.getByText('A full sync is queued.').waitFor();
    await waitUntil(
      'the note to go once the full sync ran',
      SYNC_WAIT_MS,
      async () => (await page.getByText('A full sync is queued.').count()) === 0,
    );
    await page.getByText(/The sync is idle/).waitFor();
    expect(await page.getByTestId('status-permissions').textContent()).toMatch(/^synced, \d+ grants?$/);
  });

  step(
    'Audit log: the text search finds an old entry behind many newer ones, searching on the server across pages',
    async () => {
      await openSection('audit');
      await page.getByText('Clear filters').click();
      const table = page.getByTestId('audit-entries');
      await table.getByRole('row').nth(20).waitFor();
      await page.locator('#audit-text').fill('idp-chosen');
      await page.getByTestId('audit-apply').click();
      await table.getByText('idp-chosen').first().waitFor();
      const status = await page.getByTestId('audit-search-status').textContent();
      const searched = Number(/among (\d+) entries/.exec(status ?? '')?.[1]);
      expect(searched).toBeGreaterThan(25);
      // Who did it: the admin of the local bridge.
      expect(await table.textContent()).toContain('admin local-admin');
      await page.locator('#audit-text').fill('');
      await page.locator('#audit-user').fill('ada@example.com');
      await page.getByTestId('audit-apply').click();
      await page
        .getByTestId('audit-resolved')
        .getByText(/User: ada@example.com/)
        .waitFor();
      await table.getByText('create-user').first().waitFor();
      await page.getByText('Clear filters').click();
    },
  );

  step(
    'Group permissions: pickers fill a rule, a misspelt project warns, create-repo is not offered for repositories, errors count from 1, and the preview follows a save',
    async () => {
      await openSection('permissions');
      await page.getByTestId('permissions-add-rule').click();
      const picker = page.getByTestId('rule-1-group-picker');
      await picker.waitFor();
      await picker.selectOption('Engineering');
      expect(await page.getByTestId('rule-1-group').inputValue()).toBe('Engineering');
      await page.getByTestId('rule-1-project-picker').selectOption('WEB');
      expect(await page.getByTestId('rule-1-projects').inputValue()).toBe('WEB');
      await page.getByTestId('rule-1-projects').fill('WEB, PLTA');
      await page.getByTestId('rule-1-repository-picker').selectOption('web-app');
      expect(await page.getByTestId('rule-1-repositories').inputValue()).toBe('web-app');
      expect(await page.locator('#rule-1-level option[value="create-repo"]').isDisabled()).toBe(true);
      await page.getByTestId('permissions-preview').click();
      const problems = page.getByTestId('permissions-rule-problems');
      await problems.getByText('Rule 2 (rule-2): Unknown project key: PLTA.').waitFor();
      await screenshot(page, '4-permissions-pickers');
      expect(await seriousViolations(page)).toEqual([]);

      // A rule that names nothing is reported as rule 2, the way the page counts, not as rules[1].
      await page.getByTestId('rule-1-projects').fill('');
      await page.getByTestId('rule-1-repositories').fill('');
      await page.getByTestId('permissions-save').click();
      await page.getByText('The rules were not saved').waitFor();
      const list = await page.getByText('The rules were not saved').locator('..').locator('..').textContent();
      expect(list).toContain('rule 2');
      expect(list).not.toContain('rules[1]');

      // Saving refreshes the preview on screen: the warning about PLTA goes with the draft it came from.
      await page.getByTestId('rule-1-projects').fill('WEB');
      await page.getByTestId('permissions-save').click();
      await page.getByText('Saved.').waitFor();
      await waitUntil('the preview to show the saved rules', 10_000, async () => (await problems.count()) === 0);
      await page.getByTestId('permissions-preview-result').getByText('Project WEB').first().waitFor();

      // Back to the one rule the story saved.
      await page.getByRole('button', { name: 'Remove rule 2' }).click();
      await page.getByTestId('permissions-save').click();
      await page.getByText('Saved.').waitFor();
      // The page shows which IdP group is which org group.
      expect(await page.getByTestId('group-mapping-org').allTextContents()).toEqual(['scim-engineering']);
    },
  );

  step(
    'Provisioning: a userName on a domain the organization has not verified is flagged, not shown as plainly unchanged',
    async () => {
      await openSection('provisioning');
      await page.locator('#provisioning-samples').fill('ada@contoso.onmicrosoft.com');
      const preview = page.getByTestId('provisioning-preview');
      await preview.getByText("unchanged, not the org's domain").waitFor();
      const warning = page.getByTestId('provisioning-domain-warning');
      await warning
        .getByText(
          /ada@contoso\.onmicrosoft\.com is not on a verified domain of the organization \(example\.com, emulated\.example\)/,
        )
        .waitFor();
      await checkSection('3-provisioning-domains');
    },
  );
});
