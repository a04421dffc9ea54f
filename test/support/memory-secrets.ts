/** A secret store in memory for token tests: values are kept as JSON copies, so a caller's later change to an object does not reach the store. */
import type { SecretStore } from '../../src/auth/bearer-tokens';

/** The store; `values` shows what was written. */
export class MemorySecrets implements SecretStore {
  readonly values = new Map<string, unknown>();
  async getSecret<T>(key: string): Promise<T | undefined> {
    return this.values.get(key) as T | undefined;
  }
  async setSecret<T>(key: string, value: T): Promise<void> {
    this.values.set(key, JSON.parse(JSON.stringify(value)));
  }
}
