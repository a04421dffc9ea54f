/**
 * The audit log's export, one bounded page at a time: a resolver answer holds at most EXPORT_PAGE_BYTES of body and
 * reads at most EXPORT_PAGE_QUERIES query pages, and the admin page asks for the next page with the cursor until there
 * is none (a 10,000-entry export was one 7.3 MB answer before; Forge's resolvers answer within 25 s). CSV pages are
 * rows (the header on the first page only), so the pages concatenated are the file; JSON pages hold their entries,
 * which the page joins into one `{ format, entries }` document.
 */
import type { AuditEntry, AuditLog, AuditQuery } from './audit-log';
import { MAX_QUERY_LIMIT } from './audit-log';
import type { AuditExportPage } from '../shared/audit-types';

/** Most body bytes one export page holds (issue 11: at most 1 MB per resolver answer). */
export const EXPORT_PAGE_BYTES = 1_000_000;
/** Most audit query pages (of up to 100 entries, five KVS reads each) one export page reads. */
export const EXPORT_PAGE_QUERIES = 12;
/** The JSON export's format marker. */
export const AUDIT_EXPORT_FORMAT = 'bitbucket-scim-sync/audit@1';

/** The admin page's data (src/shared/audit-types.ts), re-exported for the modules that use it here. */
export type { AuditExportPage } from '../shared/audit-types';

const CSV_COLUMNS = [
  'id',
  'at',
  'source',
  'action',
  'outcome',
  'targetKind',
  'targetId',
  'targetDisplay',
  'userKey',
  'groupKey',
  'before',
  'after',
  'detail',
  'actor',
];
/** Bytes the JSON page's frame (`{"format":…,"entries":[` and `]}`) takes. */
const JSON_FRAME_BYTES = 64;

/**
 * The export page that starts at `cursor` (the first page without one): whole entries, newest first, as many as fit
 * in `maxBytes` and `maxQueries` query pages, at least one. The cursor it returns marks exactly its last entry.
 */
export async function exportAuditPage(
  log: Pick<AuditLog, 'query'>,
  query: Omit<AuditQuery, 'limit' | 'cursor'>,
  format: 'csv' | 'json',
  cursor: string | undefined,
  limits: { readonly maxBytes: number; readonly maxQueries: number } = {
    maxBytes: EXPORT_PAGE_BYTES,
    maxQueries: EXPORT_PAGE_QUERIES,
  },
): Promise<AuditExportPage> {
  const header = format === 'csv' && cursor === undefined ? `${CSV_COLUMNS.map(csvCell).join(',')}\r\n` : '';
  const pieces: string[] = [];
  let bytes = Buffer.byteLength(header) + (format === 'json' ? JSON_FRAME_BYTES : 0);
  let next = cursor;
  for (let queries = 0; queries < limits.maxQueries; queries += 1) {
    const start = next;
    const page = await log.query({
      ...query,
      limit: MAX_QUERY_LIMIT,
      ...(start === undefined ? {} : { cursor: start }),
    });
    const texts = page.entries.map((entry) =>
      format === 'csv' ? `${csvRow(entry).map(csvCell).join(',')}\r\n` : JSON.stringify(entry),
    );
    let fit = 0;
    let added = 0;
    for (const text of texts) {
      const size = Buffer.byteLength(text) + (format === 'json' ? 1 : 0);
      // One entry always goes, however large (an entry's document is at most 8 KB: src/sync/audit-log.ts MAX_DOC_BYTES).
      if (pieces.length + fit > 0 && bytes + added + size > limits.maxBytes) break;
      added += size;
      fit += 1;
    }
    pieces.push(...texts.slice(0, fit));
    bytes += added;
    if (fit < texts.length) {
      // Part of this query page fits: read exactly those entries again for a cursor that ends after the last one.
      const exact =
        fit === 0
          ? { cursor: start }
          : await log.query({ ...query, limit: fit, ...(start === undefined ? {} : { cursor: start }) });
      return assemble(format, header, pieces, exact.cursor);
    }
    next = page.cursor;
    if (next === undefined) break;
  }
  return assemble(format, header, pieces, next);
}

function assemble(
  format: 'csv' | 'json',
  header: string,
  pieces: readonly string[],
  cursor: string | undefined,
): AuditExportPage {
  const body =
    format === 'csv'
      ? header + pieces.join('')
      : `{"format":${JSON.stringify(AUDIT_EXPORT_FORMAT)},"entries":[${pieces.join(',')}]}`;
  return {
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
    body,
    rows: pieces.length,
    ...(cursor === undefined ? {} : { cursor }),
  };
}

function csvRow(entry: AuditEntry): string[] {
  const json = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value));
  return [
    entry.id,
    entry.at,
    entry.source,
    entry.action,
    entry.outcome,
    entry.target.kind,
    entry.target.id,
    entry.target.display ?? '',
    entry.userKey ?? '',
    entry.groupKey ?? '',
    json(entry.before),
    json(entry.after),
    entry.detail ?? '',
    entry.actor ?? '',
  ];
}

/**
 * One CSV cell. A cell a spreadsheet would read as a formula (starting with = + - @, or a tab or carriage return
 * that some spreadsheets skip before one) is prefixed with a single quote (OWASP "CSV injection"); then a cell
 * holding a quote, comma or line break is quoted with inner quotes doubled (RFC 4180, section 2).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
