import { assertJsonDepth, jsonNestingDepth, MAX_JSON_DEPTH } from '../../src/scim/json-depth';
import { scimErrorOf } from './resource/test-kit';

const nested = (depth: number): string => `${'{"a":'.repeat(depth - 1)}[1]${'}'.repeat(depth - 1)}`;

describe('jsonNestingDepth', () => {
  test.each([
    ['a scalar', '42', 0],
    ['an empty object', '{}', 1],
    ['an object in an array', '[{"a":1}]', 2],
    ['siblings count once', '[[1],[2],{"a":[3]}]', 3],
    ['brackets inside strings do not count', '{"a":"[[[{{{"}', 1],
    ['an escaped quote does not end the string', '{"a":"\\"[[[["}', 1],
    ['an escaped backslash before the closing quote', '{"a":"\\\\","b":[[1]]}', 3],
    ['unbalanced closers never go below zero', ']]]}}[1]', 1],
    ['invalid JSON still counts', '[[[[', 4],
  ])('%s', (_label, text, expected) => {
    expect(jsonNestingDepth(text)).toBe(expected);
  });

  test('scans 4,100 levels without recursion', () => {
    expect(jsonNestingDepth(nested(4100))).toBe(4100);
    expect(jsonNestingDepth('['.repeat(1_000_000))).toBe(1_000_000);
  });
});

describe('assertJsonDepth', () => {
  test(`[security] accepts ${MAX_JSON_DEPTH} levels and refuses one more with invalidSyntax`, () => {
    expect(() => assertJsonDepth(nested(MAX_JSON_DEPTH))).not.toThrow();
    const error = scimErrorOf(() => assertJsonDepth(nested(MAX_JSON_DEPTH + 1)));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toContain(String(MAX_JSON_DEPTH));
  });

  test('the limit stays under what Forge KVS stores (31 levels)', () => {
    expect(MAX_JSON_DEPTH).toBeLessThan(31);
  });
});
