/**
 * Runs a third-party SCIM conformance collection (Microsoft's SCIM reference Postman collection,
 * AzureAD/SCIMReferenceCode) with newman against a fresh local host on an empty store, over real HTTP.
 *
 * The collection is test material we do not own, so it is not in the repository and not part of `npm test`:
 * `npm run conformance -- <collection.json>` (CI passes the copy in its shared folder). It prints
 * `N passed, M failed` as its last line and exits non-zero when the collection is missing, when any assertion,
 * request or script fails, or when fewer assertions ran than `--min-assertions` (100 by default; the collection
 * holds about 103, so far fewer would mean whole folders silently did not run).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, type NewmanRunOptions, type NewmanRunSummary } from 'newman';
import { startLocalHost, type LocalHost } from '../src/local/local-host';

/** Every folder but "Get Token", which fetches a token from an endpoint only Microsoft's reference server has. */
const FOLDERS = [
  'Endpoint tests',
  'User tests',
  'Group tests',
  'ComplexAttribute tests',
  'User tests with garbage',
  'Group tests with garbage',
  'Teardown garbage',
];

const DEFAULT_MIN_ASSERTIONS = 100;

const USAGE = 'usage: npm run conformance -- <collection.json> [--min-assertions N]';

interface Arguments {
  readonly collection: string;
  readonly minAssertions: number;
}

function parseArguments(argv: readonly string[]): Arguments {
  let collection: string | undefined;
  let minAssertions = DEFAULT_MIN_ASSERTIONS;
  for (let i = 0; i < argv.length; i += 1) {
    const argument = argv[i];
    if (argument === '--min-assertions') {
      minAssertions = Number(argv[i + 1]);
      i += 1;
      if (!Number.isInteger(minAssertions) || minAssertions < 0)
        throw new Error(`--min-assertions takes a whole number. ${USAGE}`);
    } else if (argument === '--help' || argument === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (collection === undefined) {
      collection = argument;
    } else {
      throw new Error(`unexpected argument ${argument}. ${USAGE}`);
    }
  }
  if (collection === undefined) throw new Error(`no collection given. ${USAGE}`);
  return { collection: path.resolve(collection), minAssertions };
}

function runNewman(options: NewmanRunOptions): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    run(options, (error, summary) => (error ? reject(error) : resolve(summary)));
  });
}

function excerpt(text: string | undefined, limit = 300): string {
  if (text === undefined) return '(no response)';
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** The failures of one run, each a line an engineer can act on. */
function failuresOf(summary: NewmanRunSummary): string[] {
  const { executions, failures } = summary.run;
  const assertions = executions.flatMap((execution) =>
    (execution.assertions ?? [])
      .filter((a) => a.error !== undefined)
      .map(
        (a) =>
          `[${execution.item.name}] ${a.assertion}: ${a.error?.message} ` +
          `(${execution.request?.method} ${execution.request?.url.toString()} -> ${execution.response?.code} ${excerpt(execution.response?.text())})`,
      ),
  );
  const requests = executions
    .filter((execution) => execution.requestError !== undefined)
    .map((execution) => `[${execution.item.name}] request error: ${execution.requestError?.message}`);
  const scripts = executions.flatMap((execution) =>
    [...(execution.testScript ?? []), ...(execution.prerequestScript ?? [])].map(
      (s) => `[${execution.item.name}] script error ${s.error.name}: ${s.error.message}`,
    ),
  );
  // newman's own list also holds errors raised outside any execution (a folder that was not found, say).
  const others = failures
    .filter((f) => f.error.name !== 'AssertionError')
    .map((f) => `(${f.at}) [${f.source?.name}] ${f.error.name}: ${f.error.message}`);
  return [...assertions, ...requests, ...scripts, ...others];
}

async function main(): Promise<number> {
  const { collection, minAssertions } = parseArguments(process.argv.slice(2));
  if (!existsSync(collection)) {
    console.error(`The conformance collection is missing: ${collection}`);
    console.log('0 passed, 1 failed');
    return 1;
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scim-conformance-'));
  const serverErrors: string[] = [];
  let host: LocalHost | undefined;
  try {
    host = await startLocalHost({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      reconcileIntervalMs: 0,
      logger: {
        error: (code, message, fields) => serverErrors.push(`${code} ${message} ${JSON.stringify(fields ?? {})}`),
      },
    });
    const token = host.generatedToken;
    if (token === undefined) throw new Error('A fresh data directory must yield a generated token');
    const { port } = new URL(host.url);
    const summary = await runNewman({
      collection,
      envVar: [
        { key: 'Protocol', value: 'http' },
        { key: 'Server', value: '127.0.0.1' },
        { key: 'Port', value: `:${port}` },
        { key: 'Api', value: 'scim/v2' },
        { key: 'token', value: token },
      ],
      folder: FOLDERS,
      timeoutRequest: 15_000,
      reporters: [],
    });
    const { stats } = summary.run;
    const problems = failuresOf(summary);
    if (summary.run.error) problems.push(`run error: ${String(summary.run.error)}`);
    console.log(
      `${path.basename(collection)}: ${stats.requests.total} requests (${stats.requests.failed} failed), ` +
        `${stats.assertions.total} assertions (${stats.assertions.failed} failed)`,
    );
    if (problems.length > 0) console.log(['Failures:', ...problems].join('\n'));
    if (serverErrors.length > 0) console.log(`Server-side errors logged during the run:\n${serverErrors.join('\n')}`);
    const tooFew = stats.assertions.total < minAssertions;
    if (tooFew) console.log(`Only ${stats.assertions.total} assertions ran; at least ${minAssertions} were expected.`);
    const failed = Math.max(stats.assertions.failed, problems.length);
    console.log(`${stats.assertions.total - stats.assertions.failed} passed, ${failed} failed`);
    return failed === 0 && !tooFew ? 0 : 1;
  } finally {
    await host?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
