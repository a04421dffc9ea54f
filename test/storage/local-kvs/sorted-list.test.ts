import fc from 'fast-check';
import { SortedList } from '../../../src/storage/local-kvs/sorted-list';

const byNumber = (a: number, b: number): number => a - b;

type Operation = { kind: 'insert' | 'delete'; value: number };

const operations = fc.array(
  fc.record({
    kind: fc.constantFrom<'insert' | 'delete'>('insert', 'insert', 'delete'),
    value: fc.integer({ min: 0, max: 60 }),
  }),
  { maxLength: 300 },
);

function replay(ops: Operation[], chunkSize: number): { list: SortedList<number>; model: number[] } {
  const list = new SortedList<number>(byNumber, chunkSize);
  const model: number[] = [];
  for (const op of ops) {
    const present = model.includes(op.value);
    if (op.kind === 'insert') {
      expect(list.insert(op.value)).toBe(!present);
      if (!present) {
        model.push(op.value);
        model.sort(byNumber);
      }
    } else {
      expect(list.delete(op.value)).toBe(present);
      if (present) {
        model.splice(model.indexOf(op.value), 1);
      }
    }
  }
  return { list, model };
}

describe('SortedList', () => {
  it('behaves like a sorted array of unique values under any sequence of inserts and deletes', () => {
    fc.assert(
      fc.property(operations, fc.integer({ min: 2, max: 5 }), (ops, chunkSize) => {
        const { list, model } = replay(ops, chunkSize);
        expect([...list]).toEqual(model);
        expect(list.size).toBe(model.length);
      }),
      { numRuns: 300 },
    );
  });

  it('seeks to the first element satisfying a monotone predicate and iterates both ways from there', () => {
    fc.assert(
      fc.property(
        operations,
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: -1, max: 62 }),
        (ops, chunkSize, pivot) => {
          const { list, model } = replay(ops, chunkSize);
          const position = list.findFirst((value) => value >= pivot);
          expect([...list.ascendingFrom(position)]).toEqual(model.filter((value) => value >= pivot));
          expect([...list.descendingBefore(position)]).toEqual(model.filter((value) => value < pivot).reverse());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps seeks logarithmic: a lookup in 100,000 elements evaluates the predicate about log2(n) times', () => {
    const list = new SortedList<number>(byNumber);
    for (let i = 0; i < 100_000; i += 1) {
      list.insert((i * 7919) % 100_003);
    }
    let calls = 0;
    list.findFirst((value) => {
      calls += 1;
      return value >= 50_000;
    });
    expect(calls).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(100_000)));
    expect([...list].length).toBe(100_000);
  });

  it('refuses a chunk size that cannot split', () => {
    expect(() => new SortedList<number>(byNumber, 1)).toThrow(/chunkSize/);
  });
});
