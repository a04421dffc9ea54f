/**
 * A stored review as CSV (RFC 4180, cells quoted and formula-guarded as the audit export's) or JSON, one row per path (who, which target, which path, at which level, from
 * which origin, with the person's IdP status), in pages: each answer holds at most `maxBytes` (1 MB by default, so
 * a resolver's answer stays small) and says from which row the next page starts.
 */
import { csvCell } from '../sync/audit-export';
import type { AccessEntry, AccessPath } from './access-model';
import type { ReviewPerson } from './effective-access';
import type { LoadedReview } from './review-snapshot';
import type { ReviewExportPage } from '../shared/review-types';

/** Largest body of one export page. */
export const EXPORT_PAGE_BYTES = 1_000_000;

/** The admin page's data (src/shared/review-types.ts), re-exported for the review's modules. */
export type { ReviewExportPage } from '../shared/review-types';

/** The CSV columns. */
export const EXPORT_COLUMNS = [
  'target_type',
  'target',
  'account_id',
  'person',
  'idp_user',
  'idp_status',
  'workspace_member',
  'level',
  'path',
  'path_level',
  'granted_level',
  'via_project',
  'via_group',
  'origin',
  'rules',
] as const;

function origin(path: AccessPath): { origin: string; rules: string } {
  switch (path.origin.kind) {
    case 'rule':
      return { origin: 'rule', rules: path.origin.ruleIds.join(' ') };
    case 'app-drift':
      return { origin: `app grant changed by hand (app made ${path.origin.applied})`, rules: '' };
    case 'public':
      return { origin: 'public repository', rules: '' };
    default:
      return { origin: 'not made by the app', rules: '' };
  }
}

/** One export row of a path. */
function row(
  entry: AccessEntry,
  path: AccessPath,
  person: ReviewPerson | undefined,
): Record<(typeof EXPORT_COLUMNS)[number], string> {
  const o = origin(path);
  return {
    target_type: entry.target.type,
    target: entry.target.id,
    account_id: entry.accountId,
    person: person?.displayName ?? '',
    idp_user: person?.identity?.userName ?? '',
    idp_status: person?.identity?.status ?? 'no IdP identity',
    workspace_member: person?.member === true ? 'yes' : 'no',
    level: entry.level,
    path: path.kind,
    path_level: path.level,
    granted_level: path.granted ?? '',
    via_project: path.project ?? '',
    via_group: path.groupSlug ?? '',
    origin: o.origin,
    rules: o.rules,
  };
}

/** Rows of the review in order, from `from`. */
function* rowsFrom(loaded: LoadedReview, from: number): Generator<Record<(typeof EXPORT_COLUMNS)[number], string>> {
  const people = new Map(loaded.review.people.map((p) => [p.accountId, p]));
  let index = 0;
  for (const entry of loaded.review.entries) {
    for (const path of entry.paths) {
      if (index >= from) yield row(entry, path, people.get(entry.accountId));
      index += 1;
    }
  }
}

/** Rows in the whole export. */
export function exportRows(loaded: LoadedReview): number {
  return loaded.review.entries.reduce((sum, e) => sum + e.paths.length, 0);
}

/** A page of the export from row `from`. */
export function exportPage(
  loaded: LoadedReview,
  format: 'csv' | 'json',
  from = 0,
  maxBytes = EXPORT_PAGE_BYTES,
): ReviewExportPage {
  const totalRows = exportRows(loaded);
  const parts: string[] = [];
  let bytes = 0;
  let rows = 0;
  if (format === 'csv' && from === 0) {
    const header = `${EXPORT_COLUMNS.join(',')}\r\n`;
    parts.push(header);
    bytes += header.length;
  }
  const wrapper =
    format === 'json'
      ? JSON.stringify({
          format: 'bitbucket-scim-sync/access-review@1',
          review: loaded.meta.id,
          finishedAt: loaded.meta.finishedAt,
          fromRow: from,
          totalRows,
          rows: [],
        })
      : '';
  bytes += wrapper.length;
  for (const r of rowsFrom(loaded, from)) {
    const text = format === 'csv' ? `${EXPORT_COLUMNS.map((c) => csvCell(r[c])).join(',')}\r\n` : JSON.stringify(r);
    const size = Buffer.byteLength(text, 'utf8') + 1;
    if (rows > 0 && bytes + size > maxBytes) break;
    parts.push(text);
    bytes += size;
    rows += 1;
  }
  const next = from + rows < totalRows ? from + rows : undefined;
  const body = format === 'csv' ? parts.join('') : `${wrapper.slice(0, -2)}${parts.join(',')}]}`;
  return {
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
    body,
    rows,
    totalRows,
    ...(next !== undefined ? { nextRow: next } : {}),
  };
}
