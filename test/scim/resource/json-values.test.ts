import { cloneJson, isBlank, isForbiddenName, jsonEqual } from '../../../src/scim/resource/json-values';

describe('json-values', () => {
  test.each([
    [null, true],
    ['', true],
    [[], true],
    [{}, true],
    [{ value: '' }, true],
    [[{ value: null }], true],
    [' ', false],
    [false, false],
    [0, false],
    [{ value: 'id' }, false],
  ])('[Entra default] isBlank(%j) is %s', (value, expected) => {
    expect(isBlank(value)).toBe(expected);
  });

  test.each(['__proto__', '__PROTO__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'])(
    '[security] %s is a forbidden name',
    (name) => {
      expect(isForbiddenName(name)).toBe(true);
    },
  );

  test.each(['userName', 'name', 'value', 'emails', 'display'])('[security] %s is an allowed name', (name) => {
    expect(isForbiddenName(name)).toBe(false);
  });

  test('[security] cloneJson keeps an own __proto__ key as plain data', () => {
    const source: unknown = JSON.parse('{"a":{"__proto__":{"polluted":1}}}');
    const copy = cloneJson(source) as { a: object };
    expect(Object.getPrototypeOf(copy.a)).toBe(Object.prototype);
    expect(Object.keys(copy.a)).toEqual(['__proto__']);
    expect('polluted' in {}).toBe(false);
  });

  test('[RFC] jsonEqual ignores key order but not values', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });
});
