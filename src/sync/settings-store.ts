/** The settings in the app's key-value store (the plain key SETTINGS_KEY), validated on every save and every read. */
import type { ForgeKvs } from '../storage/kvs-port';
import { defaultSettings, SETTINGS_KEY, SettingsValidationError, type SyncSettings } from './settings';
import { parseSettings, toDocument } from './settings-document';

/** Stored settings in the app's key-value store, validated on every save and every read. */
export class SettingsStore {
  constructor(private readonly kvs: Pick<ForgeKvs, 'get' | 'set'>) {}

  /** The stored settings, or the defaults when none were saved; throws SettingsValidationError when the stored value is unusable. */
  async get(): Promise<SyncSettings> {
    const stored = await this.kvs.get<unknown>(SETTINGS_KEY);
    if (stored === undefined) return defaultSettings;
    // A stored value that no longer validates (a newer version after a downgrade, a hand edit) is an error,
    // never a silent return to the defaults, which could switch operations back on.
    const result = parseSettings(stored);
    if ('errors' in result) throw new SettingsValidationError(result.errors, 'Stored settings are invalid');
    return result.settings;
  }

  /** Validates and stores a settings document, returning the settings as stored; throws SettingsValidationError and stores nothing when invalid. */
  async save(input: unknown): Promise<SyncSettings> {
    const result = parseSettings(input);
    if ('errors' in result) throw new SettingsValidationError(result.errors);
    await this.kvs.set(SETTINGS_KEY, toDocument(result.settings));
    return result.settings;
  }
}
