/**
 * The audit log as the admin page reads it ("who did what"): its entries and the export's pages. Page data, defined
 * here so the page and the server share one definition; src/sync/audit-log.ts and audit-export.ts write and read them.
 */

/** Who caused an entry: an IdP through SCIM, the sync engine, or an admin. */
export type AuditSource = 'scim' | 'sync' | 'admin';
/** What became of the change. */
export type AuditOutcome = 'applied' | 'planned' | 'skipped' | 'failed';
/** The kind of thing an entry is about. */
export type AuditTargetKind = 'User' | 'Group' | 'Permission' | 'Settings';

/** An entry as stored and read back: secrets redacted, keys lower-cased, oversized values summarised. */
export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly source: AuditSource;
  /** What happened, e.g. `create-user`, `put-grant`, `settings-saved`. */
  readonly action: string;
  readonly target: { readonly kind: AuditTargetKind; readonly id: string; readonly display?: string };
  /** The user the entry concerns (queried case-insensitively), e.g. the SCIM user id. */
  readonly userKey?: string;
  /** The group the entry concerns (queried case-insensitively), e.g. the SCIM group id. */
  readonly groupKey?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly outcome: AuditOutcome;
  readonly detail?: string;
  /** Who made the change (src/sync/audit-actor.ts); default: the actor of the call appending it, if any. */
  readonly actor?: string;
}

/** One page of the audit log's export. */
export interface AuditExportPage {
  readonly contentType: 'text/csv; charset=utf-8' | 'application/json';
  /** CSV: header (first page) and rows, CRLF-terminated. JSON: `{ format, entries }` with this page's entries. */
  readonly body: string;
  readonly rows: number;
  /** The audit log's cursor after the last entry of this page; absent on the last page. */
  readonly cursor?: string;
}
