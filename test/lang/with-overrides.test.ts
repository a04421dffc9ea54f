/** withOverrides (src/lang/with-overrides.ts): named members replaced, every other one the target's, bound to it. */
import { withOverrides } from '../../src/lang/with-overrides';

/** A port with private state, so that an unbound call through the proxy would throw. */
class Counter {
  #count = 0;
  readonly label = 'counter';

  increment(): number {
    this.#count += 1;
    return this.#count;
  }

  read(): number {
    return this.#count;
  }

  get doubled(): number {
    return this.#count * 2;
  }
}

it('answers the overridden members from the overrides and the rest from the target, bound to it', () => {
  const counter = new Counter();
  const seen: number[] = [];
  const wrapped = withOverrides(counter, {
    increment: () => {
      const value = counter.increment();
      seen.push(value);
      return value;
    },
  });
  expect(wrapped.increment()).toBe(1);
  expect(wrapped.increment()).toBe(2);
  expect(seen).toEqual([1, 2]);
  // Detached from the proxy, a method still reaches the target's private field.
  const { read } = wrapped;
  expect(read()).toBe(2);
  expect(wrapped.label).toBe('counter');
  expect(wrapped.doubled).toBe(4);
  expect(wrapped).toBeInstanceOf(Counter);
});

it('leaves the names the overrides object only inherits to the target', () => {
  const target = { constructor: 'the target’s own', toString: () => 'target' };
  const wrapped = withOverrides(target, {});
  expect(wrapped.constructor).toBe('the target’s own');
  expect(String(wrapped)).toBe('target');
  const overridden = withOverrides({ toString: () => 'target' }, { toString: () => 'override' });
  expect(String(overridden)).toBe('override');
});
