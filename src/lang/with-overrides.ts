/**
 * An object seen through a few replaced methods: the wrappers of src/app/recording-store.ts and
 * src/sync/workspace-listings.ts change one or two calls of a port and pass every other one through, whatever else the
 * port has or later gains.
 */

/**
 * `target` with the members `overrides` names in place of its own; every other property is the target's, read on
 * the target and its methods bound to it (so that a class's private fields and `this` work through the proxy, for
 * getters too). Only `overrides`' own properties replace anything: names it inherits (`constructor`, `toString`)
 * stay the target's.
 */
export function withOverrides<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(inner, property) {
      if (Object.prototype.hasOwnProperty.call(overrides, property)) return overrides[property as keyof T];
      const value: unknown = Reflect.get(inner, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(inner) : value;
    },
  });
}
