/**
 * The local host's `SETTINGS_FILE`, applied at start as a patch: the fields the file names are merged over the
 * stored settings one by one (nested objects such as `target` and `operations` field by field, `rules` and
 * `usernameTransform` as a whole), and every field it does not name keeps its stored value. So a file with only
 * `target` (as the README suggests) can be kept in place across restarts without resetting a permission rule
 * saved on the admin page. The file is validated as strictly as an import (docs/settings.md); what it changed
 * is reported to the caller, which prints it, and recorded in the audit log. A file can also be read whole as
 * settings (loadSettingsFile, for the benchmarks). Only the local host reads files: the sync code takes no `node:fs`.
 */
import { readFile } from 'node:fs/promises';
import { SETTINGS_FILE_ACTOR } from '../sync/audit-actor';
import type { AuditLog } from '../sync/audit-log';
import { SettingsValidationError, type SyncSettings } from '../sync/settings';
import { parseSettings } from '../sync/settings-document';
import type { SettingsStore } from '../sync/settings-store';

/** Top-level settings merged field by field; every other named field replaces the stored one whole. */
const NESTED = ['operations', 'circuitBreaker', 'target'] as const;
/** Fields of the document that are not settings (`format`, `version`): checked, never applied. */
const MARKERS = new Set(['format', 'version']);

/** One setting the file changed: its path (`target.orgId`, `rules`) and the values before and after. */
export interface AppliedSetting {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** What applying a settings file did. */
export interface SettingsFileReport {
  readonly file: string;
  /** Every path the file names (whether or not its value differed from the stored one). */
  readonly named: readonly string[];
  /** The paths whose stored value changed. */
  readonly changed: readonly AppliedSetting[];
  readonly settings: SyncSettings;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A settings file read as JSON and validated as a document: the JSON as written and the settings it stands for. */
async function readSettingsJson(file: string): Promise<{ json: Record<string, unknown>; settings: SyncSettings }> {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SettingsValidationError(
      [{ path: '', message: `is not JSON: ${(error as Error).message}` }],
      `Settings file ${file}`,
    );
  }
  const result = parseSettings(json);
  if ('errors' in result) throw new SettingsValidationError(result.errors, `Settings file ${file}`);
  if (!isRecord(json))
    throw new SettingsValidationError([{ path: '', message: 'must be an object' }], `Settings file ${file}`);
  return { json, settings: result.settings };
}

/** Reads a settings file as JSON and validates it as a document; throws with the file's path and every problem. */
export async function readSettingsPatch(file: string): Promise<Record<string, unknown>> {
  return (await readSettingsJson(file)).json;
}

/** Reads and validates a settings file as whole settings (fields it leaves out take their defaults); throws with every problem and the file's path. */
export async function loadSettingsFile(file: string): Promise<SyncSettings> {
  return (await readSettingsJson(file)).settings;
}

/** The stored settings with the patch's named fields merged over them, and the paths the patch names. */
export function mergeSettingsPatch(
  stored: SyncSettings,
  patch: Record<string, unknown>,
): { merged: Record<string, unknown>; named: string[] } {
  const merged: Record<string, unknown> = { ...stored };
  const named: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (MARKERS.has(key)) continue;
    if ((NESTED as readonly string[]).includes(key) && isRecord(value)) {
      merged[key] = { ...(stored[key as (typeof NESTED)[number]] as object), ...value };
      named.push(...Object.keys(value).map((field) => `${key}.${field}`));
    } else {
      merged[key] = value;
      named.push(key);
    }
  }
  return { merged, named };
}

function valueAt(settings: SyncSettings, path: string): unknown {
  let value: unknown = settings;
  for (const part of path.split('.')) value = isRecord(value) ? value[part] : undefined;
  return value;
}

/**
 * Applies a settings file over the stored settings: merges, validates the result, stores it when anything
 * changed, and records one audit entry (`settings-file-applied`, the changed paths before and after). `patch`, when
 * given, is the file as readSettingsPatch read it already (so a bad file fails before anything is opened).
 */
export async function applySettingsFile(
  file: string,
  store: SettingsStore,
  auditLog: Pick<AuditLog, 'append'>,
  patch?: Record<string, unknown>,
): Promise<SettingsFileReport> {
  patch ??= await readSettingsPatch(file);
  const stored = await store.get();
  const { merged, named } = mergeSettingsPatch(stored, patch);
  const result = parseSettings(merged);
  if ('errors' in result)
    throw new SettingsValidationError(result.errors, `Settings file ${file} merged over the stored settings`);
  const next = result.settings;
  const changed = named
    .map((path) => ({ path, before: valueAt(stored, path), after: valueAt(next, path) }))
    .filter((change) => JSON.stringify(change.before) !== JSON.stringify(change.after));
  if (changed.length === 0) return { file, named, changed, settings: stored };
  const saved = await store.save(next);
  await auditLog.append({
    source: 'admin',
    action: 'settings-file-applied',
    target: { kind: 'Settings', id: 'settings', display: file },
    before: Object.fromEntries(changed.map((c) => [c.path, c.before])),
    after: Object.fromEntries(changed.map((c) => [c.path, c.after])),
    outcome: 'applied',
    actor: SETTINGS_FILE_ACTOR,
    detail: `SETTINGS_FILE ${file} changed ${changed.map((c) => c.path).join(', ')}; every other setting kept its stored value`,
  });
  return { file, named, changed, settings: saved };
}

/** The start-up line about a settings file: what it changed, or that it changed nothing. */
export function describeSettingsFile(report: SettingsFileReport): string {
  if (report.changed.length === 0)
    return `Settings file ${report.file}: already applied (it names ${report.named.join(', ') || 'nothing'}), nothing changed`;
  return `Settings file ${report.file} applied: ${report.changed.map((c) => c.path).join(', ')} (every other setting kept its stored value)`;
}
