/**
 * Which source the directory follows, and the Google Workspace source's settings: the admin to impersonate, the
 * selection, the schedule and the configuration a preview last approved; the uploaded service account key lives in
 * Forge secret storage (`kvs.setSecret`, encrypted, never queryable) and only its client email, client id and key id
 * come back. Kept apart from the sync settings (src/sync/settings.ts): the engine never reads them.
 */
import type { ForgeKvs } from '../storage/kvs-port';
import type { DirectorySourceKind } from './directory-source';
import { SELECT_EVERYTHING, selectionProblems } from './google/google-selection';
import {
  parseServiceAccountKey,
  summarizeKey,
  type ServiceAccountKey,
  type ServiceAccountKeySummary,
} from './google/service-account-key';
import { fingerprint } from './pull/source-resources';
import type { PullSchedule, GoogleSourceSettings } from '../shared/source-types';

/** The admin page's data (src/shared/source-types.ts), re-exported for the source's modules. */
export type { PullSchedule, GoogleSourceSettings } from '../shared/source-types';

/** Milliseconds between scheduled pulls. */
export const SCHEDULE_MS: Readonly<Record<PullSchedule, number>> = {
  'five-minutes': 5 * 60_000,
  hourly: 3600_000,
  daily: 86_400_000,
};

/** The stored source settings. */
export interface SourceSettings {
  readonly kind: DirectorySourceKind;
  readonly google?: GoogleSourceSettings;
}

/** SCIM push until an admin chooses otherwise. */
export const DEFAULT_SOURCE: SourceSettings = { kind: 'scim' };

/** A Google source not configured yet. */
export const DEFAULT_GOOGLE: GoogleSourceSettings = { subject: '', selection: SELECT_EVERYTHING, schedule: 'hourly' };

const SETTINGS_KEY = 'directory-source:v1';
const KEY_SECRET = 'directory-source:google-key';

/** The fingerprint of what a pull reads with: the key, the impersonated admin and the selection. A preview approves exactly this. */
export function configFingerprint(google: GoogleSourceSettings, key: ServiceAccountKeySummary | undefined): string {
  return fingerprint({
    key: key?.privateKeyId ?? '',
    client: key?.clientEmail ?? '',
    subject: google.subject.toLowerCase(),
    selection: google.selection,
  });
}

/** Problems of Google settings before they are saved. */
export function googleSettingsProblems(google: GoogleSourceSettings): string[] {
  const problems = selectionProblems(google.selection).map((p) => `selection.${p}`);
  if (google.subject !== '' && !/^[^@\s]+@[^@\s]+$/.test(google.subject))
    problems.push('subject: the admin to impersonate is an email address');
  if (!(google.schedule in SCHEDULE_MS)) problems.push('schedule: five-minutes, hourly or daily');
  return problems;
}

/** The source settings and the Google key in the installation's storage. */
export class SourceSettingsStore {
  constructor(private readonly kvs: Pick<ForgeKvs, 'get' | 'set' | 'getSecret' | 'setSecret' | 'deleteSecret'>) {}

  async get(): Promise<SourceSettings> {
    return (await this.kvs.get<SourceSettings>(SETTINGS_KEY)) ?? DEFAULT_SOURCE;
  }

  async save(settings: SourceSettings): Promise<void> {
    await this.kvs.set(SETTINGS_KEY, settings);
  }

  /** Parses, checks and stores an uploaded key file; what may be shown of it. Throws ServiceAccountKeyError. */
  async saveKey(fileText: string): Promise<ServiceAccountKeySummary> {
    const key = parseServiceAccountKey(fileText);
    await this.kvs.setSecret(KEY_SECRET, key);
    return summarizeKey(key);
  }

  /** The stored key, in full (for the client only). */
  async key(): Promise<ServiceAccountKey | undefined> {
    return this.kvs.getSecret<ServiceAccountKey>(KEY_SECRET);
  }

  /** What may be shown of the stored key. */
  async keySummary(): Promise<ServiceAccountKeySummary | undefined> {
    const key = await this.key();
    return key === undefined ? undefined : summarizeKey(key);
  }

  async deleteKey(): Promise<void> {
    await this.kvs.deleteSecret(KEY_SECRET);
  }
}
