/**
 * Real headless Chromium on the admin page of a local host process, for browser tests: the launch with a fresh
 * profile, every console error, page error and failed request collected as a problem, axe-core's serious and critical
 * findings, a poll from the test side (the page's CSP forbids the string evaluation waitForFunction needs), and a
 * story's steps that keep a screenshot of a failure. One set-up for every browser test of the admin page (test/browser/).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { killAllLocalHostProcesses, REPO_ROOT, type LocalHostProcess } from './local-host-process';

/** Debian's Chromium (scripts/ensure-chromium.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';
/** Where screenshots go. */
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');
const AXE_SOURCE = path.join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const DIST_INDEX = path.join(REPO_ROOT, 'static', 'admin', 'dist', 'index.html');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** One axe-core finding, as much of it as a failure message needs. */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[]; readonly failureSummary?: string }[];
}

/** A launched browser with its page and the problems seen so far. */
export interface AdminBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors, page errors and failed requests, in order; a test takes them with `splice(0)`. */
  readonly problems: string[];
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile; fails with a clear message when the build or Chromium is missing. */
export async function launchAdminBrowser(origin: string): Promise<AdminBrowser> {
  if (!fs.existsSync(DIST_INDEX))
    throw new Error('static/admin/dist is missing: run `npm run build:ui` (npm test does it first)');
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (npm test does it first)`);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-browser-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // A download's blob URL counts as an aborted request once the file is saved; that is not a failure.
    if (!request.url().startsWith('blob:'))
      problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Ends a browser story (for afterAll): closes the browser, stops the host and any it left running, removes `folders`. */
export async function endStory(
  browser: AdminBrowser | undefined,
  host: LocalHostProcess | undefined,
  folders: readonly (string | undefined)[],
): Promise<void> {
  await browser?.close();
  await host?.stop().catch(() => undefined);
  await killAllLocalHostProcesses();
  for (const folder of folders) if (folder) fs.rmSync(folder, { recursive: true, force: true });
}

/** Runs axe-core over the page and answers its serious and critical violations, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // page.evaluate runs through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
  if (!(await page.evaluate('typeof window.axe !== "undefined"')))
    await page.evaluate(fs.readFileSync(AXE_SOURCE, 'utf8'));
  await page.evaluate(
    'Promise.all(document.getAnimations().map((animation) => animation.finished.catch(() => undefined)))',
  );
  const result = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })`,
  )) as { violations: AxeViolation[]; passes: unknown[]; testEngine: { name: string } };
  if (result.testEngine.name !== 'axe-core' || result.passes.length <= 10) throw new Error('axe-core did not run');
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} at ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 5)
          .join(', ')}`,
    );
}

/** Polls `condition` until it holds, or fails naming `what`. */
export async function waitUntil(what: string, timeoutMs: number, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Writes a full-page screenshot of `page` to SCREENSHOTS/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Screenshots `page` and checks it with axe-core: serious and critical violations fail the test. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousViolations(page)).toEqual([]);
}

/** What a story's steps keep when one fails. */
export interface StoryOptions {
  /** The page to screenshot (read when a step fails). */
  readonly page: () => Page;
  /** Put before the step's name in the screenshot's: `failed-<prefix><step>.png`. */
  readonly prefix: string;
  /** The host whose output is written beside the screenshots, into `file`. */
  readonly hostLog?: { readonly file: string; readonly host: () => { stdout(): string; stderr(): string } };
}

/** Returns `step(name, body)`, which registers one step of a story as a test that, when it fails, keeps a screenshot of what the page showed (and the host's output). */
export function storySteps(options: StoryOptions): (name: string, body: () => Promise<void>) => void {
  return (name, body) => {
    it(name, async () => {
      try {
        await body();
      } catch (error) {
        await options
          .page()
          .screenshot({
            path: path.join(
              SCREENSHOTS,
              `failed-${options.prefix}${name.split(':')[0]?.replace(/\W+/g, '-').toLowerCase()}.png`,
            ),
            fullPage: true,
          })
          .catch(() => undefined);
        if (options.hostLog !== undefined) {
          const host = options.hostLog.host();
          fs.writeFileSync(
            path.join(SCREENSHOTS, '..', options.hostLog.file),
            `--- stdout ---\n${host.stdout()}\n--- stderr ---\n${host.stderr()}\n`,
          );
        }
        throw error;
      }
    });
  };
}
