/**
 * The audit log: an append-only record of every SCIM write, admin action and remote change, on the `sync-audit`
 * custom entity (manifest.yml). Each entry is its own record under a time-ordered unique key, written with a TTL
 * of the retention period, so the log bounds itself without a cleanup job and entries are never rewritten.
 *
 * Queries use the index that fits: `by-user`, `by-group` or `by-outcome` (partitioned, ranged on `at`) when
 * the query names a user, group or outcome, the `at` index otherwise; further criteria become filters. Results
 * are newest first. Exports are CSV (RFC 4180) and JSON.
 */
import { randomBytes } from 'node:crypto';
import { Filter, FilterConditions, Sort, WhereConditions } from '@forge/kvs';
import type { AndFilter, BetweenClause, GreaterThanEqualToClause, LessThanEqualToClause } from '@forge/kvs';
import type { ForgeKvs } from '../storage/kvs-port';
import { currentAuditActor } from './audit-actor';
import type { AuditEntry, AuditOutcome, AuditSource, AuditTargetKind } from '../shared/audit-types';

/** The custom entity the log writes (declared in manifest.yml). */
export const AUDIT_ENTITY = 'sync-audit';
/** Days an entry is kept unless the log is told otherwise. */
export const DEFAULT_RETENTION_DAYS = 90;
/** Longest retention accepted, in days. */
export const MAX_RETENTION_DAYS = 365;
/** Largest serialised `doc` of an entry; before/after values beyond it are replaced by a note of their size. */
export const MAX_DOC_BYTES = 8 * 1024;
/** Most entries one query page returns. */
export const MAX_QUERY_LIMIT = 100;

const KVS_PAGE = 20;
const KVS_BATCH = 25;
/** Index pages one query call reads at most, so a sparse filter cannot make one call unbounded. */
const MAX_PAGES_PER_QUERY = 25;
const MAX_DEPTH = 8;
const REDACTED = '[redacted]';

/** The admin page's data (src/shared/audit-types.ts), re-exported for the modules that use it here. */
export type { AuditEntry, AuditOutcome, AuditSource, AuditTargetKind } from '../shared/audit-types';

const SOURCES: readonly AuditSource[] = ['scim', 'sync', 'admin'];
const OUTCOMES: readonly AuditOutcome[] = ['applied', 'planned', 'skipped', 'failed'];
const TARGET_KINDS: readonly AuditTargetKind[] = ['User', 'Group', 'Permission', 'Settings'];

/** An entry to append; `at` defaults to now. */
export interface AuditEntryInput extends Omit<AuditEntry, 'id' | 'at'> {
  readonly at?: string | Date;
}

/** A query; `from` and `to` are inclusive bounds on `at`. */
export interface AuditQuery {
  readonly from?: string | Date;
  readonly to?: string | Date;
  readonly user?: string;
  readonly group?: string;
  readonly outcome?: AuditOutcome;
  /** Entries per page, 1 to MAX_QUERY_LIMIT; default 50. */
  readonly limit?: number;
  /** The cursor of the previous page of the same query. */
  readonly cursor?: string;
}

/** One page of results, newest first; a page may hold fewer than `limit` entries while a cursor follows, so page until there is none. */
export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  readonly cursor?: string;
  /** Entries read to answer (more than `entries` when a `match` predicate left some out). */
  readonly scanned: number;
}

/** How a query reads: a predicate entries must also meet (applied after reading), and a bound on the index pages read. */
export interface AuditScanOptions {
  readonly match?: (entry: AuditEntry) => boolean;
  /** Index pages (of 20 entries) one call reads at most; default 25. */
  readonly maxPages?: number;
}

/** Options of the audit log. */
export interface AuditLogOptions {
  readonly kvs: Pick<ForgeKvs, 'entity' | 'transact'>;
  readonly now?: () => Date;
  /** Days an entry is kept, 1 to MAX_RETENTION_DAYS; default DEFAULT_RETENTION_DAYS. */
  readonly retentionDays?: number;
}

interface AuditRecord {
  at: string;
  outcome: AuditOutcome;
  userKey?: string;
  groupKey?: string;
  doc: AuditDoc;
}

interface AuditDoc {
  source: AuditSource;
  action: string;
  target: { kind: AuditTargetKind; id: string; display?: string };
  before?: unknown;
  after?: unknown;
  detail?: string;
  actor?: string;
}

// Keys named like a credential hide their value wherever they appear in before/after, so a settings or
// credential change can be audited without the audit log becoming a copy of the secrets.
const SECRET_NAME_PARTS = [
  'token',
  'password',
  'passwd',
  'secret',
  'apikey',
  'authorization',
  'credential',
  'privatekey',
];

function isSecretName(key: string): boolean {
  const folded = key.toLowerCase().replace(/[^a-z]/g, '');
  return SECRET_NAME_PARTS.some((part) => folded.includes(part));
}

/** Copies a value with every property named like a secret replaced by "[redacted]", cut off below a fixed depth. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? String(value) : value;
  if (depth >= MAX_DEPTH) return '[nested too deeply]';
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || typeof item === 'function') continue;
    out[key] = isSecretName(key) ? REDACTED : redactSecrets(item, depth + 1);
  }
  return out;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function isoOf(value: string | Date, field: string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`Audit ${field} must be a date, not ${String(value)}`);
  return date.toISOString();
}

function foldKey(value: string): string {
  return value.trim().toLowerCase();
}

function bytesOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** Builds the stored record of an entry: validated, redacted, bounded in size. */
function toRecord(entry: AuditEntryInput, at: string): AuditRecord {
  if (!SOURCES.includes(entry.source)) throw new Error(`Audit source must be one of ${SOURCES.join(', ')}`);
  if (!OUTCOMES.includes(entry.outcome)) throw new Error(`Audit outcome must be one of ${OUTCOMES.join(', ')}`);
  if (!TARGET_KINDS.includes(entry.target.kind))
    throw new Error(`Audit target kind must be one of ${TARGET_KINDS.join(', ')}`);
  if (typeof entry.action !== 'string' || entry.action.trim() === '')
    throw new Error('Audit action must be a non-empty string');
  const doc: AuditDoc = {
    source: entry.source,
    action: clip(entry.action, 100),
    target: {
      kind: entry.target.kind,
      id: clip(String(entry.target.id), 500),
      ...(entry.target.display === undefined ? {} : { display: clip(entry.target.display, 200) }),
    },
  };
  if (entry.detail !== undefined) doc.detail = clip(entry.detail, 1000);
  const actor = entry.actor ?? currentAuditActor();
  if (actor !== undefined) doc.actor = clip(actor, 200);
  if (entry.before !== undefined) doc.before = redactSecrets(entry.before);
  if (entry.after !== undefined) doc.after = redactSecrets(entry.after);
  // The larger of before/after gives way first; the entry keeps its who/what/outcome either way.
  const order =
    bytesOf(doc.before) >= bytesOf(doc.after) ? (['before', 'after'] as const) : (['after', 'before'] as const);
  for (const field of order) {
    if (bytesOf(doc) <= MAX_DOC_BYTES) break;
    if (doc[field] !== undefined) doc[field] = `[omitted: ${bytesOf(doc[field])} bytes]`;
  }
  const record: AuditRecord = { at, outcome: entry.outcome, doc };
  const userKey = entry.userKey === undefined ? '' : foldKey(entry.userKey);
  const groupKey = entry.groupKey === undefined ? '' : foldKey(entry.groupKey);
  if (userKey !== '') record.userKey = clip(userKey, 500);
  if (groupKey !== '') record.groupKey = clip(groupKey, 500);
  return record;
}

function toEntry(id: string, record: AuditRecord): AuditEntry {
  const { doc } = record;
  return {
    id,
    at: record.at,
    source: doc.source,
    action: doc.action,
    target: doc.target,
    ...(record.userKey === undefined ? {} : { userKey: record.userKey }),
    ...(record.groupKey === undefined ? {} : { groupKey: record.groupKey }),
    ...(doc.before === undefined ? {} : { before: doc.before }),
    ...(doc.after === undefined ? {} : { after: doc.after }),
    outcome: record.outcome,
    ...(doc.detail === undefined ? {} : { detail: doc.detail }),
    ...(doc.actor === undefined ? {} : { actor: doc.actor }),
  };
}

interface CursorEnvelope {
  i: string;
  p: string;
  c: string;
}

function encodeCursor(envelope: CursorEnvelope): string {
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, index: string, partition: string): string {
  let envelope: Partial<CursorEnvelope> | undefined;
  try {
    envelope = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorEnvelope>;
  } catch {
    envelope = undefined;
  }
  if (envelope === undefined || typeof envelope.c !== 'string' || envelope.i !== index || envelope.p !== partition) {
    throw new Error('The audit cursor does not belong to this query; start again without a cursor');
  }
  return envelope.c;
}

/** The append-only audit log. */
export class AuditLog {
  private readonly kvs: Pick<ForgeKvs, 'entity' | 'transact'>;
  private readonly now: () => Date;
  private readonly retentionDays: number;
  private sequence = 0;

  constructor(options: AuditLogOptions) {
    const days = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) {
      throw new Error(`Audit retention must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, not ${days}`);
    }
    this.kvs = options.kvs;
    this.now = options.now ?? (() => new Date());
    this.retentionDays = days;
  }

  /** Appends one entry and returns its id. */
  async append(entry: AuditEntryInput): Promise<string> {
    const [prepared] = this.prepare([entry]);
    if (prepared === undefined) throw new Error('unreachable: one entry prepared');
    // FAIL_IF_EXISTS makes "append-only" a property of the store, not only of this class: a key can never be
    // written twice.
    await this.kvs
      .entity<AuditRecord>(AUDIT_ENTITY)
      .set(prepared.id, prepared.record, { keyPolicy: 'FAIL_IF_EXISTS', ttl: this.ttl() });
    return prepared.id;
  }

  /** Appends entries in transactions of at most 25 (each transaction all-or-nothing) and returns their ids in order. */
  async appendMany(entries: readonly AuditEntryInput[]): Promise<string[]> {
    const prepared = this.prepare(entries);
    for (let start = 0; start < prepared.length; start += KVS_BATCH) {
      let tx = this.kvs.transact();
      for (const { id, record } of prepared.slice(start, start + KVS_BATCH)) {
        tx = tx.set(id, record, { entityName: AUDIT_ENTITY }, { ttl: this.ttl() });
      }
      await tx.execute();
    }
    return prepared.map((p) => p.id);
  }

  /**
   * One page of entries matching the query, newest first. With `options.match` every index page read is kept whole
   * (so the cursor never skips an entry), the page may then hold up to 19 entries beyond `limit`, and reading stops
   * after `options.maxPages` index pages even with no match, leaving a cursor to go on from.
   */
  async query(query: AuditQuery, options: AuditScanOptions = {}): Promise<AuditPage> {
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
      throw new Error(`Audit query limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}, not ${limit}`);
    }
    const plan = this.planQuery(query);
    let cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, plan.index, plan.partition ?? '');
    const entries: AuditEntry[] = [];
    const match = options.match;
    const maxPages = options.maxPages ?? MAX_PAGES_PER_QUERY;
    let scanned = 0;
    for (let page = 0; page < maxPages && entries.length < limit; page += 1) {
      // Never more than still needed: the store's cursor then marks exactly the last entry returned.
      let builder = this.kvs
        .entity<AuditRecord>(AUDIT_ENTITY)
        .query()
        .index(plan.index, plan.partition === undefined ? undefined : { partition: [plan.partition] })
        .sort(Sort.DESC)
        .limit(match ? KVS_PAGE : Math.min(KVS_PAGE, limit - entries.length));
      if (plan.range !== undefined) builder = builder.where(plan.range);
      if (plan.filter !== undefined) builder = builder.filters(plan.filter);
      if (cursor !== undefined) builder = builder.cursor(cursor);
      const result = await builder.getMany();
      for (const item of result.results) {
        const entry = toEntry(item.key, item.value);
        scanned += 1;
        if (!match || match(entry)) entries.push(entry);
      }
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    return cursor === undefined
      ? { entries, scanned }
      : { entries, scanned, cursor: encodeCursor({ i: plan.index, p: plan.partition ?? '', c: cursor }) };
  }

  private planQuery(query: AuditQuery): {
    index: string;
    partition?: string;
    range?: BetweenClause<string> | GreaterThanEqualToClause | LessThanEqualToClause;
    filter?: AndFilter<AuditRecord>;
  } {
    if (query.outcome !== undefined && !OUTCOMES.includes(query.outcome))
      throw new Error(`Audit outcome must be one of ${OUTCOMES.join(', ')}`);
    const from = query.from === undefined ? undefined : isoOf(query.from, 'from');
    const to = query.to === undefined ? undefined : isoOf(query.to, 'to');
    const range =
      from !== undefined && to !== undefined
        ? WhereConditions.between(from, to)
        : from !== undefined
          ? WhereConditions.greaterThanEqualTo(from)
          : to !== undefined
            ? WhereConditions.lessThanEqualTo(to)
            : undefined;
    const criteria: { attribute: 'userKey' | 'groupKey' | 'outcome'; index: string; value: string }[] = [];
    if (query.user !== undefined) criteria.push({ attribute: 'userKey', index: 'by-user', value: foldKey(query.user) });
    if (query.group !== undefined)
      criteria.push({ attribute: 'groupKey', index: 'by-group', value: foldKey(query.group) });
    if (query.outcome !== undefined) criteria.push({ attribute: 'outcome', index: 'by-outcome', value: query.outcome });
    const [first, ...rest] = criteria;
    let filter: AndFilter<AuditRecord> | undefined;
    for (const criterion of rest) {
      filter = (filter ?? new Filter<AuditRecord>()).and(
        criterion.attribute,
        FilterConditions.equalTo(criterion.value),
      );
    }
    return {
      index: first?.index ?? 'at',
      ...(first === undefined ? {} : { partition: first.value }),
      ...(range === undefined ? {} : { range }),
      ...(filter === undefined ? {} : { filter }),
    };
  }

  private ttl(): { value: number; unit: 'DAYS' } {
    return { value: this.retentionDays, unit: 'DAYS' };
  }

  private prepare(entries: readonly AuditEntryInput[]): { id: string; record: AuditRecord }[] {
    return entries.map((entry) => {
      const at = entry.at === undefined ? this.now().toISOString() : isoOf(entry.at, 'at');
      return { id: this.nextId(at), record: toRecord(entry, at) };
    });
  }

  // Time first so that keys sort like `at` (the index's tie-break), then a per-instance sequence so entries
  // appended within one millisecond keep their order, then randomness so two instances never collide.
  private nextId(at: string): string {
    this.sequence = (this.sequence + 1) % 0x1000000;
    const ms = String(Date.parse(at)).padStart(15, '0');
    return `${ms}.${this.sequence.toString(16).padStart(6, '0')}.${randomBytes(5).toString('hex')}`;
  }
}
