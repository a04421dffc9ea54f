/**
 * Runs Microsoft's SCIM reference Postman collection (AzureAD/SCIMReferenceCode) with newman against the local
 * host on a fresh, empty store, over real HTTP: the closest offline stand-in for what Entra's validation expects.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, type NewmanRunOptions, type NewmanRunSummary } from 'newman';
import { startLocalHost, type LocalHost } from '../../src/local/local-host';
import { REPO_ROOT } from '../support/local-host-process';

/** The collection lives in the shared/ checkout beside the repository (see shared/conformance/README.md). */
const COLLECTION = path.resolve(REPO_ROOT, '../shared/conformance/microsoft-scim-reference.postman_collection.json');

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

/** The collection holds about 103 assertions; far fewer executed would mean whole folders silently did not run. */
const MIN_ASSERTIONS = 100;

jest.setTimeout(180_000);

function runNewman(options: NewmanRunOptions): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    run(options, (error, summary) => (error ? reject(error) : resolve(summary)));
  });
}

function excerpt(text: string | undefined, limit = 300): string {
  if (text === undefined) return '(no response)';
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

describe("Microsoft's SCIM reference collection (newman)", () => {
  let dataDir: string | undefined;
  let host: LocalHost | undefined;
  const serverErrors: string[] = [];

  afterAll(async () => {
    await host?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('passes every assertion with no request errors on a fresh store', async () => {
    if (!existsSync(COLLECTION)) {
      throw new Error(
        `The Microsoft SCIM reference collection is missing: expected ${COLLECTION} ` +
          '(the shared/ checkout beside the repository, see shared/conformance/README.md).',
      );
    }
    dataDir = mkdtempSync(path.join(tmpdir(), 'scim-conformance-'));
    host = await startLocalHost({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      logger: { error: (code, message, fields) => serverErrors.push(`${code} ${message} ${JSON.stringify(fields ?? {})}`) },
    });
    const token = host.generatedToken;
    if (token === undefined) throw new Error('A fresh data directory must yield a generated token');
    const { port } = new URL(host.url);

    const summary = await runNewman({
      collection: COLLECTION,
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

    const { stats, executions, failures } = summary.run;
    const failedAssertions = executions.flatMap((execution) =>
      (execution.assertions ?? [])
        .filter((a) => a.error !== undefined)
        .map(
          (a) =>
            `[${execution.item.name}] ${a.assertion}: ${a.error?.message} ` +
            `(${execution.request?.method} ${execution.request?.url.toString()} -> ${execution.response?.code} ${excerpt(execution.response?.text())})`,
        ),
    );
    const requestErrors = executions
      .filter((execution) => execution.requestError !== undefined)
      .map((execution) => `[${execution.item.name}] ${execution.requestError?.message}`);
    const scriptErrors = executions.flatMap((execution) =>
      [...(execution.testScript ?? []), ...(execution.prerequestScript ?? [])].map(
        (s) => `[${execution.item.name}] script error ${s.error.name}: ${s.error.message}`,
      ),
    );

    console.log(
      `Microsoft SCIM reference collection: ${stats.requests.total} requests (${stats.requests.failed} failed), ` +
        `${stats.assertions.total} assertions, ${stats.assertions.failed} failed, ` +
        `${requestErrors.length} request errors, ${scriptErrors.length} script errors`,
    );
    // newman's own failure list also holds errors raised outside any execution (e.g. a folder that was not found).
    const otherFailures = failures.map((f) => `(${f.at}) [${f.source?.name}] ${f.error.name}: ${f.error.message}`);
    const problems = [...failedAssertions, ...requestErrors, ...scriptErrors];
    if (problems.length > 0 || otherFailures.length > 0) {
      console.log(['Failures:', ...problems, 'All newman failures:', ...otherFailures].join('\n'));
    }
    if (serverErrors.length > 0) console.log(`Server-side errors logged during the run:\n${serverErrors.join('\n')}`);

    expect(summary.run.error).toBeNull();
    expect(failedAssertions).toEqual([]);
    expect(requestErrors).toEqual([]);
    expect(scriptErrors).toEqual([]);
    expect(stats.assertions.failed).toBe(0);
    expect(otherFailures).toEqual([]);
    expect(stats.assertions.total).toBeGreaterThanOrEqual(MIN_ASSERTIONS);
  });
});
