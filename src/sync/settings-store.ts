/** The settings in the app's key-value store (the plain key SETTINGS_KEY), validated on every save and every read. */
import { randomUUID } from 'node:crypto';
import type { ForgeKvs } from '../storage/kvs-port';
import { defaultSettings, SETTINGS_KEY, SettingsValidationError, type SyncSettings } from './settings';
import { parseSettings, toDocument } from './settings-document';

/**
 * A small key that changes on every save. A sync job reads it (one 10 KB read unit) and keeps the settings it read
 * before while it is unchanged: the settings document of 500 rules is about 50 KB, 5 units, and was read by every
 * job (bench:forge at 10,000 users: 24,135 of the consumers' 129,605 read units).
 */
export const SETTINGS_STAMP_KEY = 'settings:stamp';

/** Stored settings in the app's key-value store, validated on every save and every read. */
export class SettingsStore {
  /** The settings last read and the stamp read just before them; kept for this function instance's later jobs. */
  private cached: { readonly stamp: string | undefined; readonly settings: SyncSettings } | undefined;

  constructor(private readonly kvs: Pick<ForgeKvs, 'get' | 'set'>) {}

  /** The stored settings, or the defaults when none were saved; throws SettingsValidationError when the stored value is unusable. */
  async get(): Promise<SyncSettings> {
    // The stamp is read first and written last by save(): settings cached under a stamp are never older than it.
    // A value written under SETTINGS_KEY without save() (a hand edit) is seen once the stamp next changes.
    const stamp = await this.kvs.get<string>(SETTINGS_STAMP_KEY);
    if (this.cached && stamp !== undefined && this.cached.stamp === stamp) return this.cached.settings;
    const stored = await this.kvs.get<unknown>(SETTINGS_KEY);
    if (stored === undefined) return defaultSettings;
    // A stored value that no longer validates (a newer version after a downgrade, a hand edit) is an error,
    // never a silent return to the defaults, which could switch operations back on.
    const result = parseSettings(stored);
    if ('errors' in result) throw new SettingsValidationError(result.errors, 'Stored settings are invalid');
    this.cached = { stamp, settings: result.settings };
    return result.settings;
  }

  /** Validates and stores a settings document, returning the settings as stored; throws SettingsValidationError and stores nothing when invalid. */
  async save(input: unknown): Promise<SyncSettings> {
    const result = parseSettings(input);
    if ('errors' in result) throw new SettingsValidationError(result.errors);
    this.cached = undefined;
    await this.kvs.set(SETTINGS_KEY, toDocument(result.settings));
    await this.kvs.set(SETTINGS_STAMP_KEY, randomUUID());
    return result.settings;
  }
}
