/** The local storage service at the HTTP level: response shapes StorageApi parses, counters, ordering, closing. */
import { createLocalKvs, createLocalKvsService, type EntityDefinition } from '../../../src/storage/local-kvs';

const ENTITIES: EntityDefinition[] = [{ name: 'thing', attributes: { label: { type: 'string' } }, indexes: ['label'] }];

function post(
  service: { fetch: (path: string, init?: { body?: string }) => Promise<unknown> },
  path: string,
  body: unknown,
) {
  return service.fetch(path, { body: typeof body === 'string' ? body : JSON.stringify(body) }) as Promise<Response>;
}

async function codeOf(response: Response | Promise<Response>): Promise<unknown> {
  return ((await (await response).json()) as { code?: unknown }).code;
}

describe('local storage service over HTTP', () => {
  it('answers with Response objects in the shapes StorageApi parses', async () => {
    const service = createLocalKvsService({ entities: ENTITIES, clock: () => 1_700_000_000_000 });
    const set = await post(service, '/api/v1/set', { key: 'k', value: { a: 1 } });
    expect(set).toBeInstanceOf(Response);
    expect(set.status).toBe(204);
    expect(await set.text()).toBe('');

    const got = await post(service, '/api/v1/get', { key: 'k', options: { metadataFields: ['CREATED_AT'] } });
    expect(got.status).toBe(200);
    expect(got.headers.get('x-trace-id')).toMatch(/^local-kvs-\d+$/);
    expect(await got.json()).toEqual({ key: 'k', value: { a: 1 }, createdAt: 1_700_000_000 });

    const missing = await post(service, '/api/v1/get', { key: 'nope' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 'KEY_NOT_FOUND', message: 'Provided key does not exist' });

    const query = await post(service, '/api/v1/query', {
      limit: 1,
      where: [{ property: 'key', condition: 'BEGINS_WITH', values: ['k'] }],
    });
    expect(await query.json()).toEqual({ data: [{ key: 'k', value: { a: 1 } }] });

    const tx = await post(service, '/api/v1/transaction', { set: [{ key: 'k2', value: 2 }] });
    expect(tx.ok).toBe(true);
    await service.close();
  });

  it('rejects malformed requests with BAD_REQUEST and unknown paths with UNKNOWN_ENDPOINT', async () => {
    const service = createLocalKvsService({ entities: ENTITIES });
    const notJson = await post(service, '/api/v1/get', '{not json');
    expect(notJson.status).toBe(400);
    expect(await codeOf(notJson)).toBe('BAD_REQUEST');
    expect(await codeOf(post(service, '/api/v1/get', []))).toBe('BAD_REQUEST');
    expect(await codeOf(post(service, '/api/v1/get', { key: 'k', options: { metadataFields: ['NOPE'] } }))).toBe(
      'BAD_REQUEST',
    );
    expect(await codeOf(post(service, '/api/v1/set', { key: 'k' }))).toBe('BAD_REQUEST');
    expect(await codeOf(post(service, '/api/v1/transaction', {}))).toBe('BAD_REQUEST');
    expect(
      await codeOf(
        post(service, '/api/v1/query', { where: [{ property: 'value', condition: 'BEGINS_WITH', values: ['a'] }] }),
      ),
    ).toBe('QUERY_WHERE_FIELD_INVALID');
    expect(await codeOf(post(service, '/api/v1/query', { where: [{}, {}] }))).toBe('QUERY_WHERE_INVALID');
    const unknown = await post(service, '/api/v2/teleport', {});
    expect(unknown.status).toBe(404);
    expect(await codeOf(unknown)).toBe('UNKNOWN_ENDPOINT');
    expect(await codeOf(service.fetch('/api/v1/get') as Promise<Response>)).toBe('BAD_REQUEST');
    await service.close();
  });

  it('counts requests by endpoint and category, failed ones included, and resets', async () => {
    const service = createLocalKvsService({ entities: ENTITIES });
    const kvs = createLocalKvs(service);
    await kvs.set('a', 1);
    await kvs.get('a');
    await kvs.get('missing');
    await kvs.entity('thing').set('t', { label: 'x' });
    await kvs.entity('thing').query().index('label').getMany();
    await kvs.batchGet([{ key: 'a' }, { key: 'b' }]);
    await kvs.transact().set('b', 2).execute();
    await kvs.setSecret('s', 1).catch(() => undefined);
    await kvs.set('bad/key', 1).catch(() => undefined);
    expect(service.stats.snapshot()).toEqual({
      total: 9,
      reads: 3,
      writes: 4,
      queries: 1,
      transactions: 1,
      byPath: {
        '/api/v1/set': 2,
        '/api/v1/get': 2,
        '/api/v1/entity/set': 1,
        '/api/v1/entity/query': 1,
        '/api/v1/batch/get': 1,
        '/api/v1/transaction': 1,
        '/api/v1/secret/set': 1,
      },
    });
    const before = service.stats.snapshot();
    service.stats.reset();
    expect(service.stats.snapshot()).toEqual({
      total: 0,
      reads: 0,
      writes: 0,
      queries: 0,
      transactions: 0,
      byPath: {},
    });
    expect(before.total).toBe(9);
    await service.close();
  });

  it('processes concurrent requests one at a time in arrival order', async () => {
    const service = createLocalKvsService({ entities: ENTITIES });
    const kvs = createLocalKvs(service);
    const claims = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => kvs.set('claim', i, { keyPolicy: 'FAIL_IF_EXISTS' })),
    );
    expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    expect(await kvs.get('claim')).toBe(0);

    const writes = Array.from({ length: 50 }, (_, i) => kvs.set('counter', i));
    const read = kvs.get('counter');
    await Promise.all(writes);
    expect(await read).toBe(49);
    await service.close();
  });

  it('shows a transaction to other requests entirely or not at all', async () => {
    const service = createLocalKvsService({ entities: ENTITIES });
    const kvs = createLocalKvs(service);
    const keys = Array.from({ length: 25 }, (_, i) => ({ key: `t${i}` }));
    const tx = kvs.transact();
    keys.forEach(({ key }) => tx.set(key, 'new'));
    const before = kvs.batchGet(keys);
    const running = tx.execute();
    const after = kvs.batchGet(keys);
    await running;
    expect((await before).successfulKeys).toHaveLength(0);
    expect((await after).successfulKeys).toHaveLength(25);
    await service.close();
  });

  it('fails requests after close with SERVICE_CLOSED, and closing twice is harmless', async () => {
    const service = createLocalKvsService({ entities: ENTITIES });
    const kvs = createLocalKvs(service);
    await kvs.set('a', 1);
    await service.close();
    await expect(kvs.get('a')).rejects.toMatchObject({ code: 'SERVICE_CLOSED' });
    await service.close();
  });

  it('refuses invalid entity definitions at start', () => {
    const make = (entities: unknown) => () => createLocalKvsService({ entities: entities as EntityDefinition[] });
    expect(make([{ name: 'ab', attributes: {} }])).toThrow(/at least 3/);
    expect(make([{ name: 'good', attributes: { a: { type: 'decimal' } } }])).toThrow(/unsupported type/);
    expect(make([{ name: 'good', attributes: { a: { type: 'string' } }, indexes: ['b'] }])).toThrow(
      /undeclared attribute b/,
    );
    expect(make([{ name: 'good', attributes: { a: { type: 'any' } }, indexes: ['a'] }])).toThrow(/cannot be indexed/);
    expect(
      make([{ name: 'good', attributes: { a: { type: 'string' } }, indexes: [{ name: 'i', range: ['a', 'a'] }] }]),
    ).toThrow(/exactly one range/);
    expect(
      make([
        { name: 'good', attributes: {} },
        { name: 'good', attributes: {} },
      ]),
    ).toThrow(/declared twice/);
    expect(make([{ name: 'good', attributes: { a: { type: 'string' } }, indexes: ['a', 'a'] }])).toThrow(
      /declared twice/,
    );
  });
});

describe('the transactionConditions test switch', () => {
  const NOT_EXISTS = { and: [{ property: 'label', condition: 'NOT_EXISTS', values: [true] }] };
  const create = (key: string) => ({
    set: [{ key, value: { label: 'x' }, entityName: 'thing', conditions: NOT_EXISTS }],
  });

  it.each([
    ['evaluated', 204, 409],
    ['missing-item-fails', 409, 409],
    ['ignored', 204, 204],
  ] as const)('%s: NOT_EXISTS on a new key answers %i, on an existing key %i', async (mode, onNew, onExisting) => {
    const service = createLocalKvsService({ entities: ENTITIES, transactionConditions: mode });
    expect((await post(service, '/api/v1/transaction', create('fresh'))).status).toBe(onNew);
    await post(service, '/api/v1/transaction', { set: [{ key: 'held', value: { label: 'x' }, entityName: 'thing' }] });
    const existing = await post(service, '/api/v1/transaction', create('held'));
    expect(existing.status).toBe(onExisting);
    if (onExisting === 409) expect(await codeOf(existing)).toBe('CONDITIONAL_CHECK_FAILED');
    await service.close();
  });
});
