/**
 * Model-based check of index queries: after any sequence of entity writes, paging through any index query with any
 * limit and sort must yield exactly what a naive filter-and-sort over all items yields.
 */
import fc from 'fast-check';
import { FilterConditions } from '@forge/kvs/out/conditions';
import { FilterBuilder } from '@forge/kvs/out/entity-query';
import type { EntityWhereClauses } from '@forge/kvs/out/interfaces/entity-query';
import { Sort } from '@forge/kvs/out/interfaces/types';
import { createLocalKvs, createLocalKvsService, type EntityDefinition } from '../../../src/storage/local-kvs';

interface Person {
  name?: string;
  age?: number;
  team?: string;
  active?: boolean;
}

const ENTITIES: EntityDefinition[] = [
  {
    name: 'person',
    attributes: {
      name: { type: 'string' },
      age: { type: 'integer' },
      team: { type: 'string' },
      active: { type: 'boolean' },
    },
    indexes: ['name', 'age', { name: 'by-team', partition: ['team'], range: ['age'] }],
  },
];

const person: fc.Arbitrary<Person> = fc.record(
  {
    name: fc.stringMatching(/^[ab]{0,3}$/),
    age: fc.integer({ min: -2, max: 4 }),
    team: fc.constantFrom('red', 'blue'),
    active: fc.boolean(),
  },
  { requiredKeys: [] },
);

const write = fc.oneof(
  fc.record({ kind: fc.constant<'set'>('set'), key: fc.integer({ min: 0, max: 40 }), value: person }),
  fc.record({ kind: fc.constant<'delete'>('delete'), key: fc.integer({ min: 0, max: 40 }) }),
);

type Query =
  | { index: 'age'; range?: EntityWhereClauses }
  | { index: 'name'; range?: EntityWhereClauses }
  | { index: 'by-team'; team: string; range?: EntityWhereClauses };

const ageRange: fc.Arbitrary<EntityWhereClauses> = fc.oneof(
  fc.integer({ min: -3, max: 5 }).map((n) => ({ condition: 'EQUAL_TO', values: [n] }) as EntityWhereClauses),
  fc.integer({ min: -3, max: 5 }).map((n) => ({ condition: 'GREATER_THAN', values: [n] }) as EntityWhereClauses),
  fc
    .integer({ min: -3, max: 5 })
    .map((n) => ({ condition: 'GREATER_THAN_EQUAL_TO', values: [n] }) as EntityWhereClauses),
  fc.integer({ min: -3, max: 5 }).map((n) => ({ condition: 'LESS_THAN', values: [n] }) as EntityWhereClauses),
  fc.integer({ min: -3, max: 5 }).map((n) => ({ condition: 'LESS_THAN_EQUAL_TO', values: [n] }) as EntityWhereClauses),
  fc
    .tuple(fc.integer({ min: -3, max: 5 }), fc.integer({ min: -3, max: 5 }))
    .map(([a, b]) => ({ condition: 'BETWEEN', values: [a, b] }) as EntityWhereClauses),
);

const nameRange: fc.Arbitrary<EntityWhereClauses> = fc.oneof(
  fc.stringMatching(/^[ab]{0,2}$/).map((s) => ({ condition: 'BEGINS_WITH', values: [s] }) as EntityWhereClauses),
  fc.stringMatching(/^[ab]{0,3}$/).map((s) => ({ condition: 'EQUAL_TO', values: [s] }) as EntityWhereClauses),
  fc.stringMatching(/^[ab]{0,3}$/).map((s) => ({ condition: 'GREATER_THAN', values: [s] }) as EntityWhereClauses),
  fc.stringMatching(/^[ab]{0,3}$/).map((s) => ({ condition: 'LESS_THAN_EQUAL_TO', values: [s] }) as EntityWhereClauses),
  fc
    .tuple(fc.stringMatching(/^[ab]{0,3}$/), fc.stringMatching(/^[ab]{0,3}$/))
    .map(([a, b]) => ({ condition: 'BETWEEN', values: [a, b] }) as EntityWhereClauses),
);

const query: fc.Arbitrary<Query> = fc.oneof(
  fc.record({ index: fc.constant<'age'>('age'), range: ageRange }, { requiredKeys: ['index'] }),
  fc.record({ index: fc.constant<'name'>('name'), range: nameRange }, { requiredKeys: ['index'] }),
  fc.record(
    { index: fc.constant<'by-team'>('by-team'), team: fc.constantFrom('red', 'blue', 'green'), range: ageRange },
    { requiredKeys: ['index', 'team'] },
  ),
);

// Independent reference semantics: same-type comparisons only, then order by range value and key.
function satisfies(value: string | number, range: EntityWhereClauses | undefined): boolean {
  if (range === undefined) {
    return true;
  }
  const [a, b] = range.values as [string | number, string | number | undefined];
  switch (range.condition) {
    case 'EQUAL_TO':
      return value === a;
    case 'GREATER_THAN':
      return value > a;
    case 'GREATER_THAN_EQUAL_TO':
      return value >= a;
    case 'LESS_THAN':
      return value < a;
    case 'LESS_THAN_EQUAL_TO':
      return value <= a;
    case 'BETWEEN':
      return value >= a && value <= (b as string | number);
    case 'BEGINS_WITH':
      return String(value).startsWith(String(a));
  }
}

function expected(items: Map<string, Person>, q: Query, order: Sort, activeOnly: boolean): string[] {
  const rangeAttribute = q.index === 'name' ? 'name' : 'age';
  const rows: Array<{ key: string; value: string | number }> = [];
  for (const [key, item] of items) {
    const value = item[rangeAttribute];
    if (value === undefined || (q.index === 'by-team' && item.team !== q.team)) {
      continue;
    }
    if (satisfies(value, q.range) && (!activeOnly || item.active === true)) {
      rows.push({ key, value });
    }
  }
  rows.sort((x, y) => (x.value < y.value ? -1 : x.value > y.value ? 1 : x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const keys = rows.map((row) => row.key);
  return order === Sort.DESC ? keys.reverse() : keys;
}

describe('index queries against a reference model', () => {
  it('page through exactly the items a naive scan finds, in order, for any writes, query, limit and sort', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(write, { minLength: 10, maxLength: 80, size: 'max' }),
        query,
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(Sort.ASC, Sort.DESC),
        fc.boolean(),
        async (writes, q, limit, order, activeOnly) => {
          const service = createLocalKvsService({ entities: ENTITIES });
          const people = createLocalKvs(service).entity<Person>('person');
          const model = new Map<string, Person>();
          for (const w of writes) {
            const key = `p${w.key}`;
            if (w.kind === 'set') {
              await people.set(key, w.value);
              model.set(key, w.value);
            } else {
              await people.delete(key);
              model.delete(key);
            }
          }
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            let builder = people.query().index(q.index, q.index === 'by-team' ? { partition: [q.team] } : undefined);
            if (q.range !== undefined) {
              builder = builder.where(q.range);
            }
            if (activeOnly) {
              builder = builder.filters(new FilterBuilder<Person>().and('active', FilterConditions.equalTo(true)));
            }
            builder = builder.sort(order).limit(limit);
            const page = await (cursor === undefined ? builder : builder.cursor(cursor)).getMany();
            expect(page.results.length).toBeLessThanOrEqual(limit);
            seen.push(...page.results.map((r) => r.key));
            cursor = page.nextCursor;
            pages += 1;
          } while (cursor !== undefined && pages <= 100);
          expect(seen).toEqual(expected(model, q, order, activeOnly));
          await service.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});
