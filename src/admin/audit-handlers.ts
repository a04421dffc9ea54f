/**
 * `audit/query` and `audit/export`: the audit log as the admin page asks it "who did what". The User and Group
 * filters take what an admin knows — a userName or email, a group's name — as well as a SCIM id, resolved here
 * through the directory's indexes. The text search runs on the server across pages: one call reads at most
 * SEARCH_PAGES index pages of 20 entries (KVS read quota: 4,000 units of 10,000 bytes a minute, an entry at most
 * 8 KiB; the local runtime enforces it) and answers the matches with a cursor to search on from, never the whole
 * log in one resolver call.
 */
import type { AuditEntry, AuditQuery } from '../sync/audit-log';
import { MAX_QUERY_LIMIT, type AuditOutcome } from '../sync/audit-log';
import type { AdminApi, AuditExportPayload, AuditPageView, AuditFilterResolution } from '../shared/admin-api';
import { exportAuditPage, type AuditExportPage } from '../sync/audit-export';
import type { Guarded, Handlers } from './admin-guard';
import type { AdminParts } from './admin-parts';
import { openAdminCursor, sealAdminCursor } from './admin-cursor';
import { optionalChoice, optionalInstant, optionalInteger, optionalText, payloadObject } from './payload';

/** Index pages of 20 entries one text search call reads at most (500 entries, at most about 400 read units). */
export const SEARCH_PAGES = 25;

const OUTCOMES: readonly AuditOutcome[] = ['applied', 'planned', 'skipped', 'failed'];

/** The lower-cased text an entry is searched in: everything it says, the actor included. */
export function searchableText(entry: AuditEntry): string {
  return JSON.stringify(entry).toLowerCase();
}

/** A user filter as typed (userName, email or SCIM id) resolved to the SCIM user id the log is keyed by. */
async function resolveUser(parts: AdminParts, input: string): Promise<AuditFilterResolution> {
  const store = parts.app.store;
  const byId = await store.get('User', input);
  if (byId) return { input, id: byId.id, display: String(byId.resource.userName ?? input), matched: true };
  for (const key of ['userName', 'workEmail'] as const) {
    const [found] = await store.find('User', key, input);
    if (found) return { input, id: found.id, display: String(found.resource.userName ?? input), matched: true };
  }
  return { input, id: input, matched: false };
}

/** A group filter as typed (displayName or SCIM id) resolved to the SCIM group id the log is keyed by. */
async function resolveGroup(parts: AdminParts, input: string): Promise<AuditFilterResolution> {
  const store = parts.app.store;
  const byId = await store.get('Group', input);
  if (byId) return { input, id: byId.id, display: String(byId.resource.displayName ?? input), matched: true };
  const [found] = await store.find('Group', 'displayName', input);
  if (found) return { input, id: found.id, display: String(found.resource.displayName ?? input), matched: true };
  return { input, id: input, matched: false };
}

/** The filters of a query or export, with the user and group resolved to SCIM ids. */
async function auditFilters(
  record: Record<string, unknown>,
  parts: AdminParts,
): Promise<{
  filters: Omit<AuditQuery, 'limit' | 'cursor'>;
  resolved: { user?: AuditFilterResolution; group?: AuditFilterResolution };
}> {
  const outcome = optionalChoice(record, 'outcome', OUTCOMES);
  const from = optionalInstant(record, 'from');
  const to = optionalInstant(record, 'to');
  const userInput = optionalText(record, 'user', 320)?.trim();
  const groupInput = optionalText(record, 'group', 256)?.trim();
  const user = userInput ? await resolveUser(parts, userInput) : undefined;
  const group = groupInput ? await resolveGroup(parts, groupInput) : undefined;
  return {
    filters: {
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(user ? { user: user.id } : {}),
      ...(group ? { group: group.id } : {}),
      ...(outcome ? { outcome } : {}),
    },
    resolved: { ...(user ? { user } : {}), ...(group ? { group } : {}) },
  };
}

/** `audit/query`: a page of matching entries, newest first; with `text`, searched on the server across pages. */
export async function queryAudit(payload: unknown, parts: AdminParts): Promise<AuditPageView> {
  const record = payloadObject(payload);
  const text = optionalText(record, 'text', 200)?.trim().toLowerCase() || undefined;
  const limit = optionalInteger(record, 'limit', 1, MAX_QUERY_LIMIT) ?? 50;
  const { filters, resolved } = await auditFilters(record, parts);
  const signer = await parts.app.cursorSigner();
  const query = JSON.stringify({ filters, text: text ?? '' });
  const cursor = openAdminCursor(signer, 'audit/query', query, optionalText(record, 'cursor', 4096));
  const page = await parts.sync.auditLog.query(
    { ...filters, limit, ...(cursor ? { cursor } : {}) },
    text ? { match: (entry) => searchableText(entry).includes(text), maxPages: SEARCH_PAGES } : {},
  );
  return {
    entries: page.entries,
    scanned: page.scanned,
    ...(page.cursor ? { cursor: sealAdminCursor(signer, 'audit/query', query, page.cursor) } : {}),
    ...(resolved.user || resolved.group ? { resolved } : {}),
  };
}

/**
 * `audit/export`: the entries matching the time, user, group and outcome filters, as CSV or JSON, one page of at
 * most 1 MB per call (src/sync/audit-export.ts); the page asks again with the cursor until none comes back.
 */
export async function exportAudit(payload: unknown, parts: AdminParts): Promise<AuditExportPage> {
  const record = payloadObject(payload) as Record<string, unknown> & Partial<AuditExportPayload>;
  const format = optionalChoice(record, 'format', ['csv', 'json'] as const) ?? 'csv';
  const { filters } = await auditFilters(record, parts);
  const signer = await parts.app.cursorSigner();
  const query = JSON.stringify({ filters, format });
  const cursor = openAdminCursor(signer, 'audit/export', query, optionalText(record, 'cursor', 4096));
  const page = await exportAuditPage(parts.sync.auditLog, filters, format, cursor);
  return { ...page, ...(page.cursor ? { cursor: sealAdminCursor(signer, 'audit/export', query, page.cursor) } : {}) };
}

/** The resolver keys of this area. */
export type AuditKeys = 'audit/query' | 'audit/export';

/** The audit log's resolvers, each wrapped in `guarded`. */
export function makeAuditHandlers(guarded: Guarded<AdminParts>): Pick<Handlers<AdminApi>, AuditKeys> {
  return {
    'audit/query': guarded((payload, parts) => queryAudit(payload, parts)),
    'audit/export': guarded((payload, parts) => exportAudit(payload, parts)),
  };
}
