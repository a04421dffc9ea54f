/**
 * What queries and batches cost against Forge's read and write quotas in the local service (request-cost.ts): a query
 * is one response sized as a whole, filtered-out items included; a batch costs the sum of its items, each rounded up.
 */
import { FilterConditions, WhereConditions } from '@forge/kvs/out/conditions';
import { FilterBuilder } from '@forge/kvs/out/entity-query';
import { quotaRig, text } from './fixtures/quota-rig';

interface Thing {
  label?: string;
  kind?: string;
  blob?: string;
}

// Twenty entities of about 700 bytes each as returned: about 14,000 bytes in one page.
async function twentyThings(rig: ReturnType<typeof quotaRig>): Promise<void> {
  for (let i = 0; i < 20; i += 1) {
    await rig.kvs
      .entity<Thing>('thing')
      .set(`thing-${String(i).padStart(2, '0')}`, { label: `label-${i}`, kind: 'k', blob: text(650) });
  }
}

describe('quota pricing of queries and batches', () => {
  it('prices a query by its whole response, not per item', async () => {
    const rig = quotaRig();
    await twentyThings(rig);
    const before = rig.service.quota.snapshot();
    const page = await rig.kvs.entity<Thing>('thing').query().index('label').limit(20).getMany();
    expect(page.results).toHaveLength(20);
    const bytes = Buffer.byteLength(JSON.stringify({ data: page.results }), 'utf8');
    expect(bytes).toBeGreaterThan(10_000);
    expect(bytes).toBeLessThan(20_000);
    expect(rig.service.quota.snapshot()).toMatchObject({
      readUnits: before.readUnits + 2,
      requests: before.requests + 1,
    });
  });

  it('charges a query for the items its filters read and dropped', async () => {
    const rig = quotaRig();
    await twentyThings(rig);
    const before = rig.service.quota.snapshot().readUnits;
    const page = await rig.kvs
      .entity<Thing>('thing')
      .query()
      .index('by-kind', { partition: ['k'] })
      .filters(new FilterBuilder<Thing>().and('label', FilterConditions.equalTo('no such label')))
      .limit(20)
      .getMany();
    expect(page.results).toEqual([]);
    expect(rig.service.quota.snapshot().readUnits).toBe(before + 2);
  });

  it('charges an empty query one read unit', async () => {
    const rig = quotaRig();
    const page = await rig.kvs.query().where('key', WhereConditions.beginsWith('nothing')).getMany();
    expect(page.results).toEqual([]);
    expect(rig.service.quota.snapshot().readUnits).toBe(1);
  });

  it('prices a batch get as one request by its whole response: a batch uses the quota more efficiently than single gets', async () => {
    const rig = quotaRig();
    await rig.kvs.set('big', text(25_000));
    await rig.kvs.set('small', 1);
    const got = await rig.kvs.batchGet([{ key: 'big' }, { key: 'small' }, { key: 'missing' }]);
    expect(got.successfulKeys).toHaveLength(2);
    expect(got.failedKeys).toHaveLength(1);
    // One response of about 25 KB: three units, where three single gets would cost 3 + 1 + 1.
    expect(rig.service.quota.snapshot()).toMatchObject({ readUnits: 3, requests: 3 });
  });

  it('prices batch set and batch delete by their whole body, at least one unit', async () => {
    const rig = quotaRig();
    await rig.kvs.batchSet<unknown>([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
      { key: 'big', value: text(25_000) },
    ]);
    expect(rig.service.quota.snapshot()).toMatchObject({ writeUnits: 3, requests: 1 });
    await rig.kvs.batchDelete([{ key: 'a' }, { key: 'b' }, { key: 'missing' }]);
    expect(rig.service.quota.snapshot()).toMatchObject({ writeUnits: 3 + 1, requests: 2 });
  });

  it('prices secrets like plain keys', async () => {
    const rig = quotaRig();
    await rig.kvs.setSecret('token', text(25_000));
    expect(await rig.kvs.getSecret('token')).toHaveLength(25_000);
    await rig.kvs.deleteSecret('token');
    expect(rig.service.quota.snapshot()).toMatchObject({ writeUnits: 3 + 1, readUnits: 3 });
  });

  it('charges a refused write for the body it sent and a refused read one unit', async () => {
    const rig = quotaRig();
    await rig.kvs.set('claimed', 1, { keyPolicy: 'FAIL_IF_EXISTS' });
    await expect(rig.kvs.set('claimed', text(25_000), { keyPolicy: 'FAIL_IF_EXISTS' })).rejects.toMatchObject({
      code: 'KEY_CONFLICT',
    });
    await expect(rig.kvs.get('not/valid')).rejects.toMatchObject({ code: 'INVALID_KEY' });
    expect(rig.service.quota.snapshot()).toMatchObject({ writeUnits: 1 + 3, readUnits: 1, requests: 3 });
  });
});
