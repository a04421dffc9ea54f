import fc from 'fast-check';
import { crc32, decodeRecord, encodeRecord, softwareCrc32 } from '../../../src/storage/local-kvs/data-directory';
import type { Mutation } from '../../../src/storage/local-kvs/types';

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    t: fc.constant<'put'>('put'),
    ns: fc.constantFrom('kv', 'secret', 'entity:thing'),
    key: fc.string({ minLength: 1 }),
    item: fc.record(
      { value: fc.jsonValue(), createdAt: fc.nat(), updatedAt: fc.nat(), expireAt: fc.nat() },
      { requiredKeys: ['value', 'createdAt', 'updatedAt'] },
    ),
  }),
  fc.record({ t: fc.constant<'del'>('del'), ns: fc.constant('kv'), key: fc.string({ minLength: 1 }) }),
);

const withoutNewline = (line: Buffer): Buffer => line.subarray(0, line.length - 1);

describe('write-ahead log records', () => {
  it('computes the standard CRC-32, natively and in software alike', () => {
    const check = Buffer.from('123456789');
    expect(softwareCrc32(check)).toBe(0xcbf43926);
    expect(crc32(check)).toBe(0xcbf43926);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => softwareCrc32(bytes) === crc32(bytes)));
  });

  it('decode(encode(x)) returns x, and every record is one line', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (mutations) => {
        const line = encodeRecord(mutations);
        expect(line.indexOf(0x0a)).toBe(line.length - 1);
        expect(decodeRecord(withoutNewline(line))).toEqual(JSON.parse(JSON.stringify(mutations)));
      }),
    );
  });

  it('rejects every truncation and every single-byte change of a record', () => {
    const line = withoutNewline(
      encodeRecord([{ t: 'put', ns: 'kv', key: 'k', item: { value: { a: 'b' }, createdAt: 1, updatedAt: 2 } }]),
    );
    for (let length = 0; length < line.length; length += 1) {
      expect(decodeRecord(line.subarray(0, length))).toBeUndefined();
    }
    for (let i = 0; i < line.length; i += 1) {
      const damaged = Buffer.from(line);
      damaged[i] = (damaged[i] as number) ^ 0x01;
      expect(decodeRecord(damaged)).toBeUndefined();
    }
  });
});
