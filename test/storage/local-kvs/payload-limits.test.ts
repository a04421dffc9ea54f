/**
 * Bug FRGE-1916 (DAC `/storage-reference/transactions`): transaction and batch payloads are held to 1 MB for now,
 * read as 1,000,000 bytes (not 1 MiB). Bodies of exactly that size pass; one byte more is refused with the existing
 * size codes, through the genuine @forge/kvs client.
 */
import type { ForgeKvs } from '../../../src/storage/kvs-port';
import { KVS_LIMITS } from '../../../src/storage/local-kvs';
import { bodyBytesOf, expectApiError, quotaRig, text } from './fixtures/quota-rig';

const CAP = 1_000_000;

// Five value lengths that bring a body whose values are all empty (`emptyBytes`) to `target` bytes.
function lengthsFor(emptyBytes: number, target: number): number[] {
  const spare = target - emptyBytes;
  const each = Math.floor(spare / 5);
  return [spare - 4 * each, each, each, each, each];
}

function transaction(kvs: ForgeKvs, prefix: string, lengths: readonly number[]): Promise<void> {
  const builder = kvs.transact();
  lengths.forEach((length, i) => builder.set(`${prefix}${i}`, text(length)));
  return builder.execute();
}

function batch(kvs: ForgeKvs, prefix: string, lengths: readonly number[]): Promise<unknown> {
  return kvs.batchSet(lengths.map((length, i) => ({ key: `${prefix}${i}`, value: text(length) })));
}

const BATCH_ANSWER = { successfulKeys: [], failedKeys: [] };

describe('FRGE-1916: transaction and batch bodies of at most 1,000,000 bytes', () => {
  it('holds both limits at 1,000,000 bytes, under 1 MiB', () => {
    expect(KVS_LIMITS.maxTransactionBytes).toBe(CAP);
    expect(KVS_LIMITS.maxBatchBytes).toBe(CAP);
  });

  it('accepts a transaction body of exactly 1,000,000 bytes and refuses one byte more, applying nothing', async () => {
    const emptyBytes = await bodyBytesOf((kvs) => transaction(kvs, 'p', [0, 0, 0, 0, 0]));
    const exact = lengthsFor(emptyBytes, CAP);
    const over = lengthsFor(emptyBytes, CAP + 1);
    const { kvs, bodies } = quotaRig();
    await transaction(kvs, 'p', exact);
    await expectApiError(transaction(kvs, 'q', over), 'TRANSACTION_TOO_LARGE', 400);
    expect(bodies.slice(0, 2)).toEqual([CAP, CAP + 1]);
    expect(await kvs.get('p0')).toHaveLength(exact[0] ?? -1);
    expect(await kvs.get('q0')).toBeUndefined();
  });

  it('accepts a batch body of exactly 1,000,000 bytes and refuses one byte more, applying nothing', async () => {
    const emptyBytes = await bodyBytesOf((kvs) => batch(kvs, 'p', [0, 0, 0, 0, 0]), BATCH_ANSWER);
    const exact = lengthsFor(emptyBytes, CAP);
    const over = lengthsFor(emptyBytes, CAP + 1);
    const { kvs, bodies } = quotaRig();
    await expect(batch(kvs, 'p', exact)).resolves.toMatchObject({ failedKeys: [] });
    await expectApiError(batch(kvs, 'q', over), 'BATCH_TOO_LARGE', 400);
    expect(bodies.slice(0, 2)).toEqual([CAP, CAP + 1]);
    expect(await kvs.get('p4')).toHaveLength(exact[4] ?? -1);
    expect(await kvs.get('q0')).toBeUndefined();
  });
});
