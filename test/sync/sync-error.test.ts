/**
 * The sync layer's error type (src/sync/sync-error.ts): which kind each lower layer's error becomes and whether it is
 * retried, that a programming error is a `bug` and never retried while a fetch's network failure is not taken for
 * one, that the layer's named errors are SyncErrors, and how a chain of causes reads in Status (bounded).
 */
import { ForgeKvsAPIError, ForgeKvsError } from '@forge/kvs';
import { DirectoryError } from '../../src/directory/directory-store';
import { BreakerBusyError } from '../../src/sync/circuit-breaker';
import { CredentialValidationError } from '../../src/sync/credentials';
import { SettingsValidationError } from '../../src/sync/settings';
import { errorChain, MAX_ERROR_TEXT, SyncError, syncErrorOf } from '../../src/sync/sync-error';
import { TransformValidationError } from '../../src/sync/username-transform';
import { TargetError } from '../../src/targets/ports';

function kvsApiError(status: number, code: string): ForgeKvsAPIError {
  return new ForgeKvsAPIError(
    { status, statusText: '', traceId: undefined, httpMethod: 'POST', httpPath: '/api/v1/set', responseBodyLength: 0 },
    { code, message: `${code} from storage` },
  );
}

describe('syncErrorOf', () => {
  it.each([
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a RangeError', new RangeError('Invalid array length')],
    ['a ReferenceError', new ReferenceError('plan is not defined')],
    ['a SyntaxError', new SyntaxError('Unexpected token } in JSON at position 3')],
    ['a plain Error', new Error('unreachable: one entry prepared')],
    ['a thrown string', 'something went wrong'],
  ])('takes %s for a fault in the app, not retried, caused by it', (_name, error) => {
    const failure = syncErrorOf(error);
    expect(failure).toBeInstanceOf(SyncError);
    expect(failure.kind).toBe('bug');
    expect(failure.retryable).toBe(false);
    expect(failure.cause).toBe(error);
  });

  it.each([
    [
      "Node's fetch failing",
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }),
      }),
    ],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['an undici timeout', Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })],
    ['an expired request timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError')],
  ])('takes %s (a storage request without an answer) as retryable, not as a bug', (_name, error) => {
    const failure = syncErrorOf(error);
    expect(failure).toMatchObject({ kind: 'storage', retryable: true });
    expect(failure.cause).toBe(error);
  });

  it.each([
    [new TargetError('transient', 'createGroup answered 503', { status: 503 }), 'target-unavailable', true],
    [
      new TargetError('rate-limited', 'createGroup answered 429', { status: 429, retryAfterMs: 1000 }),
      'throttled',
      true,
    ],
    [new TargetError('not-found', 'addMembership answered 404', { status: 404 }), 'target-rejected', false],
    [new TargetError('forbidden', 'addMembership answered 403', { status: 403 }), 'target-rejected', false],
    [
      new TargetError('unexpected-response', 'listGroups answered 200 with an unexpected body'),
      'target-rejected',
      false,
    ],
  ] as const)('keeps the retry rule of a TargetError (%s)', (error, kind, retryable) => {
    const failure = syncErrorOf(error);
    expect(failure).toMatchObject({ kind, retryable, message: error.message });
    expect(failure.retryable).toBe(error.retryable);
  });

  it.each([
    [
      new DirectoryError('throttled', 'Storage is over its per-installation quota; retry later', {
        retryAfterSeconds: 60,
      }),
      'throttled',
    ],
    [new DirectoryError('unavailable', 'Storage is unavailable'), 'storage'],
    [new DirectoryError('contention', 'Too many concurrent writes'), 'storage'],
    [kvsApiError(429, 'RATE_LIMIT_EXCEEDED'), 'throttled'],
    [kvsApiError(500, 'INTERNAL_SERVER_ERROR'), 'storage'],
    [new ForgeKvsError('Builder must have at least one condition set'), 'storage'],
  ] as const)('retries storage that failed or throttled the app (%s)', (error, kind) => {
    expect(syncErrorOf(error)).toMatchObject({ kind, retryable: true });
  });

  it("returns a SyncError as it is, and counts the layer's named errors as SyncErrors of their kind", () => {
    const own = new SyncError('conflict', 'Every org group name for "Eng" is taken');
    expect(syncErrorOf(own)).toBe(own);
    expect(new SettingsValidationError([{ path: 'dryRun', message: 'must be true or false' }])).toMatchObject({
      kind: 'config',
      retryable: true,
    });
    expect(new CredentialValidationError([{ field: 'orgApiKey', message: 'is required' }])).toMatchObject({
      kind: 'config',
    });
    expect(
      new TransformValidationError([{ field: 'pattern', message: 'must be a non-empty regular expression' }]),
    ).toMatchObject({ kind: 'config' });
    expect(new BreakerBusyError()).toMatchObject({ kind: 'conflict', retryable: true });
    for (const error of [
      new SettingsValidationError([]),
      new CredentialValidationError([]),
      new TransformValidationError([]),
      new BreakerBusyError(),
    ])
      expect(error).toBeInstanceOf(SyncError);
  });
});

describe('errorChain', () => {
  it('names each cause, outermost first, and leaves out a wrapper that repeats its cause', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    const target = new TargetError(
      'transient',
      'createGroup: the connection failed',
      {},
      { cause: new TypeError('fetch failed', { cause: socket }) },
    );
    expect(errorChain(syncErrorOf(target))).toBe(
      'createGroup: the connection failed ← TypeError: fetch failed ← connect ECONNREFUSED 10.0.0.1:443',
    );
    expect(errorChain(syncErrorOf(new TypeError('x is not a function')))).toBe(
      'A fault in the app stopped this change; it is not retried ← TypeError: x is not a function',
    );
    expect(errorChain('plain text')).toBe('plain text');
  });

  it('stays bounded for a long message and for a chain that never ends', () => {
    expect(errorChain(new Error('x'.repeat(5000)))).toHaveLength(MAX_ERROR_TEXT);
    const looped = new Error('first');
    const second = new Error('second', { cause: looped });
    Object.defineProperty(looped, 'cause', { value: second });
    const text = errorChain(looped);
    expect(text.split(' ← ')).toHaveLength(7);
    expect(text.endsWith(' ← …')).toBe(true);
  });
});
