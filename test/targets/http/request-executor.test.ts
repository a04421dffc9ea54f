import type { FetchMethod } from '@forge/api';
import { stringResponse } from '../../../emulators/emulator-fetch';
import { VirtualClock } from '../../../emulators/virtual-clock';
import { apiOperation } from '../../../src/targets/http/api-operation';
import type { RequestExecutorOptions } from '../../../src/targets/http/request-executor';
import { RequestExecutor } from '../../../src/targets/http/request-executor';
import type { TargetFetch, TargetFetchInit, TargetFetchResponse } from '../../../src/targets/http/target-fetch';
import { TargetError } from '../../../src/targets/ports';
import { rejectionOf } from '../../support/outcomes';
import { MIDDLE_JITTER } from '../support/harness';

const BASE = 'https://api.example.test/admin';
const GET_GROUP = apiOperation('GET', '/v2/orgs/{orgId}/groups/{groupId}');
const CREATE = apiOperation('POST', '/v2/orgs/{orgId}/groups');

type Step = TargetFetchResponse | Error | ((init: TargetFetchInit) => Promise<TargetFetchResponse>);

interface Call {
  readonly url: string;
  readonly init: TargetFetchInit;
  readonly at: number;
}

/** A fetch that answers from a script, one step per call, and records the calls with their clock time. */
function scripted(clock: VirtualClock, steps: Step[]) {
  const calls: Call[] = [];
  const fetch: TargetFetch = async (url, init) => {
    calls.push({ url, init, at: clock.now() });
    const step = steps.shift();
    if (step === undefined) throw new Error('The script has no more answers');
    if (step instanceof Error) throw step;
    return typeof step === 'function' ? step(init) : step;
  };
  return { fetch, calls };
}

const ok = (body: unknown = { ok: true }, headers: Record<string, string> = {}) =>
  stringResponse(200, { 'content-type': 'application/json', ...headers }, JSON.stringify(body));
const status = (code: number, headers: Record<string, string> = {}, body = '') => stringResponse(code, headers, body);

function executor(clock: VirtualClock, fetch: TargetFetch, options: Partial<RequestExecutorOptions> = {}) {
  return new RequestExecutor({
    baseUrl: BASE,
    fetch,
    authorization: async () => 'Bearer key',
    clock,
    random: MIDDLE_JITTER,
    ...options,
  });
}

describe('RequestExecutor: building requests', () => {
  it('fills the template, encodes the query and sends JSON with the credentials', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [ok()]);
    const response = await executor(clock, fetch, { pathPrefix: '/2.0' }).execute({
      operation: CREATE,
      pathParams: { orgId: 'org/1' },
      query: {
        q: 'user.email IN ("a+b@x.example")',
        fields: '+values.user.email',
        ids: ['a', 'b'],
        skipped: undefined,
        limit: 5,
      },
      json: { name: 'developers' },
    });
    expect(response).toEqual({ status: 200, body: { ok: true }, attempts: 1, earlierAttemptMayHaveApplied: false });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(
      `${BASE}/2.0/v2/orgs/org%2F1/groups?q=user.email%20IN%20(%22a%2Bb%40x.example%22)&fields=%2Bvalues.user.email&ids=a&ids=b&limit=5`,
    );
    expect(calls[0]?.init).toEqual({
      method: 'POST',
      headers: { accept: 'application/json', authorization: 'Bearer key', 'content-type': 'application/json' },
      body: '{"name":"developers"}',
      signal: expect.any(AbortSignal),
    });
  });

  it('asks the credentials provider on every attempt, so a rotated key is used by the retry', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [status(503), ok()]);
    const keys = ['old', 'new'];
    await executor(clock, fetch, { authorization: async () => `Bearer ${keys.shift() ?? 'none'}` }).execute({
      operation: GET_GROUP,
      pathParams: { orgId: 'o', groupId: 'g' },
    });
    expect(calls.map((c) => c.init.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
  });

  it('lets a failing credentials provider fail the call without sending anything', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [ok()]);
    const failure = new TargetError('unauthorized', 'no key');
    const error = await rejectionOf(
      executor(clock, fetch, { authorization: () => Promise.reject(failure) }).execute({
        operation: GET_GROUP,
        pathParams: { orgId: 'o', groupId: 'g' },
      }),
    );
    expect(error).toBe(failure);
    expect(calls).toHaveLength(0);
  });

  it('follows a paging link under the base URL and refuses one that leads elsewhere, without sending credentials there', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [ok()]);
    const run = executor(clock, fetch, { pathPrefix: '/2.0' });
    await run.execute({ operation: GET_GROUP, url: `${BASE}/2.0/v2/orgs/o/groups/g?page=2` });
    const error = await rejectionOf(
      run.execute({ operation: GET_GROUP, url: 'https://evil.example/2.0/v2/orgs/o/groups/g?page=3' }),
    );
    expect(error).toMatchObject({ kind: 'unexpected-response' });
    expect(calls.map((c) => c.url)).toEqual([`${BASE}/2.0/v2/orgs/o/groups/g?page=2`]);
  });
});

describe('RequestExecutor: errors and retries', () => {
  it.each([
    [400, 'invalid'],
    [401, 'unauthorized'],
    [402, 'payment-required'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [409, 'conflict'],
    [422, 'invalid'],
  ])('does not retry %i, which is %s', async (code, kind) => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [status(code, { 'retry-after': '1' }), ok()]);
    const error = await rejectionOf(
      executor(clock, fetch).execute({ operation: CREATE, pathParams: { orgId: 'o' }, json: {} }),
    );
    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ kind, details: { status: code, operation: CREATE.key } });
    expect(calls).toHaveLength(1);
  });

  it('retries a 5xx with growing, jittered backoff on the injected clock, then succeeds', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [status(500), status(502), status(503), ok()]);
    const start = clock.now();
    const response = await executor(clock, fetch, { retry: { baseDelayMs: 1_000 } }).execute({
      operation: GET_GROUP,
      pathParams: { orgId: 'o', groupId: 'g' },
    });
    expect(response.attempts).toBe(4);
    // Equal jitter at 0.5: three quarters of each doubling step (1 s, 2 s, 4 s).
    expect(calls.map((c) => c.at - start)).toEqual([0, 750, 750 + 1_500, 750 + 1_500 + 3_000]);
  });

  it('gives up after maxAttempts with a transient error', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [status(503), status(503), status(503), ok()]);
    const error = await rejectionOf(
      executor(clock, fetch, { retry: { maxAttempts: 3 } }).execute({
        operation: GET_GROUP,
        pathParams: { orgId: 'o', groupId: 'g' },
      }),
    );
    expect(error).toMatchObject({ kind: 'transient', details: { status: 503 } });
    expect((error as Error).message).toContain('gave up after 3 attempts');
    expect(calls).toHaveLength(3);
  });

  it('does not begin a wait that would overrun the total budget', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [status(503), status(503), ok()]);
    const error = await rejectionOf(
      executor(clock, fetch, { retry: { maxAttempts: 10, baseDelayMs: 1_000, totalBudgetMs: 2_000 } }).execute({
        operation: GET_GROUP,
        pathParams: { orgId: 'o', groupId: 'g' },
      }),
    );
    expect(error).toMatchObject({ kind: 'transient' });
    // 750 ms fits, 750 + 1500 does not.
    expect(calls).toHaveLength(2);
  });

  it('reports a rate limit that resets beyond the budget at once, with retryAfterMs for the worker', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [status(429, { 'retry-after': '3600' }), ok()]);
    const error = await rejectionOf(
      executor(clock, fetch).execute({ operation: GET_GROUP, pathParams: { orgId: 'o', groupId: 'g' } }),
    );
    expect(error).toMatchObject({
      kind: 'rate-limited',
      retryable: true,
      details: { status: 429, retryAfterMs: 3_600_000 },
    });
    expect(calls).toHaveLength(1);
  });

  it('turns a connection failure into a transient error and retries it', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [new TypeError('fetch failed'), ok()]);
    const response = await executor(clock, fetch).execute({
      operation: GET_GROUP,
      pathParams: { orgId: 'o', groupId: 'g' },
    });
    expect(response.attempts).toBe(2);
    expect(calls).toHaveLength(2);
    const again = scripted(clock, [new TypeError('fetch failed')]);
    const error = await rejectionOf(
      executor(clock, again.fetch, { retry: { maxAttempts: 1 } }).execute({
        operation: GET_GROUP,
        pathParams: { orgId: 'o', groupId: 'g' },
      }),
    );
    expect(error).toMatchObject({ kind: 'transient', message: `${GET_GROUP.key}: the connection failed` });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('aborts an attempt that outlives the request timeout and reports it as transient', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const hang = (init: TargetFetchInit) =>
      new Promise<TargetFetchResponse>((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true }),
      );
    const { fetch } = scripted(clock, [hang]);
    const error = await rejectionOf(
      executor(clock, fetch, { retry: { maxAttempts: 1, requestTimeoutMs: 5 } }).execute({
        operation: GET_GROUP,
        pathParams: { orgId: 'o', groupId: 'g' },
      }),
    );
    expect(error).toMatchObject({ kind: 'transient', message: `${GET_GROUP.key}: no answer within 5 ms` });
  });

  it("ends an attempt's timeout once it answers, so its signal never fires afterwards", async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [ok()]);
    await executor(clock, fetch, { retry: { maxAttempts: 1, requestTimeoutMs: 5 } }).execute({
      operation: GET_GROUP,
      pathParams: { orgId: 'o', groupId: 'g' },
    });
    const signal = calls[0]?.init.signal;
    expect(signal).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(signal?.aborted).toBe(false);
  });

  it('reports a 2xx body that is not JSON as unexpected-response, without retrying', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch, calls } = scripted(clock, [
      status(200, { 'content-type': 'text/html' }, '<html>login</html>'),
      ok(),
    ]);
    const error = await rejectionOf(
      executor(clock, fetch).execute({ operation: GET_GROUP, pathParams: { orgId: 'o', groupId: 'g' } }),
    );
    expect(error).toMatchObject({ kind: 'unexpected-response', details: { status: 200 } });
    expect(calls).toHaveLength(1);
  });

  it('reports a redirect reaching the client as unexpected-response', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const { fetch } = scripted(clock, [status(302, { location: 'https://id.atlassian.com/login' })]);
    expect(
      await rejectionOf(
        executor(clock, fetch).execute({ operation: GET_GROUP, pathParams: { orgId: 'o', groupId: 'g' } }),
      ),
    ).toMatchObject({ kind: 'unexpected-response' });
  });

  it('hands back statuses the caller resolves, saying whether an earlier attempt may have been applied', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const conflict = () => status(409, { 'content-type': 'application/json' }, '{"errors":[]}');
    const afterOutage = scripted(clock, [status(503), conflict()]);
    expect(
      await executor(clock, afterOutage.fetch).execute({
        operation: CREATE,
        pathParams: { orgId: 'o' },
        json: {},
        passStatuses: [409],
      }),
    ).toEqual({
      status: 409,
      body: { errors: [] },
      attempts: 2,
      earlierAttemptMayHaveApplied: true,
    });
    const afterRateLimit = scripted(clock, [status(429, { 'retry-after': '1' }), conflict()]);
    expect(
      await executor(clock, afterRateLimit.fetch).execute({
        operation: CREATE,
        pathParams: { orgId: 'o' },
        json: {},
        passStatuses: [409],
      }),
    ).toMatchObject({
      status: 409,
      earlierAttemptMayHaveApplied: false,
    });
  });
});

describe('RequestExecutor: pacing and concurrency', () => {
  it('waits for X-RateLimit-Reset once X-RateLimit-Remaining reaches 0, before sending more', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const start = clock.now();
    const reset = new Date(start + 5_000).toISOString();
    const { fetch, calls } = scripted(clock, [
      ok({}, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }),
      ok({}, { 'x-ratelimit-remaining': '9' }),
      ok(),
    ]);
    const run = executor(clock, fetch);
    const request = { operation: GET_GROUP, pathParams: { orgId: 'o', groupId: 'g' } };
    await run.execute(request);
    await run.execute(request);
    await run.execute(request);
    expect(calls.map((c) => c.at - start)).toEqual([0, 5_000, 5_000]);
  });

  it('reports a pause longer than the budget as rate-limited without sending', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const reset = new Date(clock.now() + 600_000).toISOString();
    const { fetch, calls } = scripted(clock, [
      ok({}, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }),
      ok(),
    ]);
    const run = executor(clock, fetch);
    await run.execute({ operation: GET_GROUP, pathParams: { orgId: 'o', groupId: 'g' } });
    expect(
      await rejectionOf(run.execute({ operation: GET_GROUP, pathParams: { orgId: 'o', groupId: 'g' } })),
    ).toMatchObject({
      kind: 'rate-limited',
      details: { retryAfterMs: 600_000 },
    });
    expect(calls).toHaveLength(1);
  });

  it.each([
    [1, 1],
    [2, 2],
  ])('keeps at most maxConcurrency=%i requests in flight', async (limit, expected) => {
    const clock = new VirtualClock({ autoAdvance: true });
    let inFlight = 0;
    let most = 0;
    const fetch: TargetFetch = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => setImmediate(resolve));
      inFlight--;
      return ok();
    };
    const run = executor(clock, fetch, { maxConcurrency: limit });
    await Promise.all(
      [1, 2, 3, 4].map((n) => run.execute({ operation: GET_GROUP, pathParams: { orgId: 'o', groupId: String(n) } })),
    );
    expect(most).toBe(expected);
  });
});

describe('TargetFetch', () => {
  it('accepts the global fetch and Forge fetch as they are', () => {
    const fromForge = (forgeFetch: FetchMethod): TargetFetch => forgeFetch;
    const global: TargetFetch = fetch;
    expect(typeof fromForge).toBe('function');
    expect(global).toBe(fetch);
  });
});
