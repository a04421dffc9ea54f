/**
 * Audit log: every SCIM write, admin action and remote change, newest first, with who made it, filtered by time
 * range, user (email, userName or id), group (name or id), outcome and text, paged, and exported as CSV or JSON with
 * the same filters. The text search runs on the server across the whole log, a bounded stretch per call: when a
 * stretch holds no match the page says how much it searched and offers to search on.
 */
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import { useState, type ReactNode } from 'react';
import type { AuditPageView, AuditQueryPayload } from '../../../../src/shared/admin-api';
import type { AuditEntry, AuditOutcome } from '../../../../src/shared/audit-types';
import { useAdmin } from '../admin-context';
import { SectionTitle, TableCaption } from '../ui/headings';
import type { SectionProps } from '../app';
import { downloadText } from '../ui/download';
import { Field } from '../ui/field';
import { formatTime } from '../ui/format';
import { ActionError, EmptyState, LoadableView } from '../ui/loadable-view';
import { useAction, useLoader } from '../ui/use-loader';

const PAGE_SIZE = 25;

const OUTCOMES = ['applied', 'planned', 'skipped', 'failed'] as const satisfies readonly AuditOutcome[];
const _everyOutcomeListed: [Exclude<AuditOutcome, (typeof OUTCOMES)[number]>] extends [never] ? true : false = true;

const OUTCOME_APPEARANCE = { applied: 'success', planned: 'new', skipped: 'moved', failed: 'removed' } as const;

interface OutcomeOption {
  readonly label: string;
  readonly value: AuditOutcome | '';
}

const OUTCOME_OPTIONS: readonly OutcomeOption[] = [
  { label: 'Any outcome', value: '' },
  ...OUTCOMES.map((outcome) => ({ label: outcome, value: outcome })),
];

/** The filter form as typed; applied to the query only on "Apply". */
interface Filters {
  readonly from: string;
  readonly to: string;
  readonly user: string;
  readonly group: string;
  readonly outcome: AuditOutcome | '';
  readonly text: string;
}

const NO_FILTERS: Filters = { from: '', to: '', user: '', group: '', outcome: '', text: '' };

/** `<input type="datetime-local">` holds local time without a zone; the API takes ISO 8601. */
function isoOf(local: string): string | undefined {
  if (local.trim() === '') return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function queryOf(filters: Filters): Omit<AuditQueryPayload, 'limit' | 'cursor'> {
  const from = isoOf(filters.from);
  const to = isoOf(filters.to);
  return {
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(filters.user.trim() ? { user: filters.user.trim() } : {}),
    ...(filters.group.trim() ? { group: filters.group.trim() } : {}),
    ...(filters.outcome ? { outcome: filters.outcome } : {}),
    ...(filters.text.trim() ? { text: filters.text.trim() } : {}),
  };
}

function exportName(format: 'csv' | 'json'): string {
  return `scim-audit-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.${format}`;
}

/** Says which user or group the filters found, or that none has that name now. */
function ResolvedFilters({ view }: { readonly view: AuditPageView }): ReactNode {
  const notes = (['user', 'group'] as const).flatMap((kind) => {
    const resolved = view.resolved?.[kind];
    if (!resolved) return [];
    return [
      resolved.matched
        ? `${kind === 'user' ? 'User' : 'Group'}: ${resolved.display ?? resolved.input} (${resolved.id})`
        : `No ${kind} is named ${resolved.input} now; a deleted ${kind} is found by its SCIM id or by the text search.`,
    ];
  });
  if (notes.length === 0) return null;
  return (
    <p data-testid="audit-resolved" style={{ fontSize: 12, color: token('color.text.subtle', '#44546F') }}>
      {notes.join(' ')}
    </p>
  );
}

/** The JSON export's pages as one document: the first page's format, every page's entries in order. */
function joinJsonPages(bodies: readonly string[]): string {
  const pages = bodies.map((body) => JSON.parse(body) as { format: string; entries: unknown[] });
  return JSON.stringify({ format: pages[0]?.format, entries: pages.flatMap((page) => page.entries) });
}

/** The Audit log section. */
export function AuditSection(_props: SectionProps): ReactNode {
  const { client } = useAdmin();
  const [form, setForm] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  /** Cursors of the pages before the current one; the current page's cursor is the last. */
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useLoader(
    () => client.call('audit/query', { ...queryOf(applied), limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
    JSON.stringify([applied, cursor]),
  );
  const [exported, setExported] = useState<string | undefined>(undefined);
  const exportLog = useAction(async (format: 'csv' | 'json') => {
    // The export comes in pages of at most 1 MB (one resolver answer each): CSV pages concatenate, JSON pages' entries join.
    const bodies: string[] = [];
    let rows = 0;
    let cursor: string | undefined;
    let contentType = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json';
    do {
      const page = await client.call('audit/export', { ...queryOf(applied), format, ...(cursor ? { cursor } : {}) });
      bodies.push(page.body);
      rows += page.rows;
      contentType = page.contentType;
      cursor = page.cursor;
      setExported(`Exporting… ${rows} entr${rows === 1 ? 'y' : 'ies'} so far.`);
    } while (cursor);
    const body = format === 'csv' ? bodies.join('') : joinJsonPages(bodies);
    downloadText(exportName(format), body, contentType);
    setExported(`${rows} entr${rows === 1 ? 'y' : 'ies'} exported as ${format.toUpperCase()}.`);
  });
  const set = (change: Partial<Filters>): void => setForm((current) => ({ ...current, ...change }));
  const apply = (filters: Filters): void => {
    setApplied(filters);
    setCursors([undefined]);
  };

  return (
    <div>
      <SectionTitle>Audit log</SectionTitle>
      <form
        aria-label="Audit log filters"
        onSubmit={(event) => {
          event.preventDefault();
          apply(form);
        }}
      >
        <div style={{ display: 'grid', gridTemplateColumns: 'repeat(3, minmax(0, 1fr))', gap: 12 }}>
          <Field id="audit-from" label="From">
            <Textfield
              id="audit-from"
              type="datetime-local"
              value={form.from}
              onChange={(event) => set({ from: event.currentTarget.value })}
            />
          </Field>
          <Field id="audit-to" label="To">
            <Textfield
              id="audit-to"
              type="datetime-local"
              value={form.to}
              onChange={(event) => set({ to: event.currentTarget.value })}
            />
          </Field>
          <Field id="audit-outcome" label="Outcome">
            <Select<OutcomeOption, false>
              inputId="audit-outcome"
              options={OUTCOME_OPTIONS}
              value={OUTCOME_OPTIONS.find((option) => option.value === form.outcome) ?? null}
              onChange={(option) => set({ outcome: option?.value ?? '' })}
              testId="audit-outcome"
            />
          </Field>
          <Field id="audit-user" label="User (email, userName or SCIM id)">
            <Textfield
              id="audit-user"
              value={form.user}
              onChange={(event) => set({ user: event.currentTarget.value })}
              testId="audit-user"
            />
          </Field>
          <Field id="audit-group" label="Group (name or SCIM id)">
            <Textfield
              id="audit-group"
              value={form.group}
              onChange={(event) => set({ group: event.currentTarget.value })}
              testId="audit-group"
            />
          </Field>
          <Field id="audit-text" label="Search">
            <Textfield
              id="audit-text"
              type="search"
              value={form.text}
              onChange={(event) => set({ text: event.currentTarget.value })}
              placeholder="action, target, detail…"
              testId="audit-text"
            />
          </Field>
        </div>
        <div style={{ display: 'flex', gap: 8, marginTop: 12, flexWrap: 'wrap', alignItems: 'center' }}>
          <Button appearance="primary" type="submit" testId="audit-apply">
            Apply filters
          </Button>
          <Button
            appearance="subtle"
            onClick={() => {
              setForm(NO_FILTERS);
              apply(NO_FILTERS);
            }}
          >
            Clear filters
          </Button>
          <span style={{ flex: 1 }} />
          <Button onClick={() => void exportLog.run('csv')} isLoading={exportLog.pending} testId="audit-export-csv">
            Export CSV
          </Button>
          <Button onClick={() => void exportLog.run('json')} isLoading={exportLog.pending} testId="audit-export-json">
            Export JSON
          </Button>
        </div>
        <p
          role="status"
          aria-live="polite"
          style={{ fontSize: 12, color: token('color.text.subtle', '#44546F'), minHeight: 16 }}
        >
          {exported ?? ''}
        </p>
        {applied.text.trim() ? (
          <p style={{ fontSize: 12, color: token('color.text.subtle', '#44546F'), marginTop: 0 }}>
            Exports use the time, user, group and outcome filters; the text search narrows only the table.
          </p>
        ) : null}
      </form>
      <ActionError error={exportLog.error} onDismiss={exportLog.clearError} title="The export failed" />
      <LoadableView state={page.state} what="the audit log" onRetry={() => page.reload()}>
        {(view) => (
          <div data-testid="audit-entries">
            <ResolvedFilters view={view} />
            {applied.text.trim() && view.scanned !== undefined ? (
              <p
                role="status"
                data-testid="audit-search-status"
                style={{ fontSize: 12, color: token('color.text.subtle', '#44546F') }}
              >
                {`${view.entries.length} match${view.entries.length === 1 ? '' : 'es'} for "${applied.text.trim()}" among ${view.scanned} entries searched on this page${view.cursor ? '; older entries are not searched yet' : ', the oldest included'}.`}
              </p>
            ) : null}
            <DynamicTable
              caption={<TableCaption>{`Entries, newest first (page ${cursors.length})`}</TableCaption>}
              head={{
                cells: [
                  { key: 'at', content: 'Time' },
                  { key: 'source', content: 'Source' },
                  { key: 'actor', content: 'By' },
                  { key: 'action', content: 'Action' },
                  { key: 'target', content: 'Target' },
                  { key: 'outcome', content: 'Outcome' },
                  { key: 'detail', content: 'Detail' },
                ],
              }}
              rows={view.entries.map((entry: AuditEntry) => ({
                key: entry.id,
                cells: [
                  { key: 'at', content: <span style={{ whiteSpace: 'nowrap' }}>{formatTime(entry.at)}</span> },
                  { key: 'source', content: entry.source },
                  { key: 'actor', content: <span style={{ overflowWrap: 'anywhere' }}>{entry.actor ?? '—'}</span> },
                  { key: 'action', content: <code style={{ whiteSpace: 'nowrap' }}>{entry.action}</code> },
                  {
                    key: 'target',
                    content: (
                      <span>
                        {entry.target.kind} {entry.target.display ?? entry.target.id}
                        {entry.target.display ? (
                          <span
                            style={{ display: 'block', fontSize: 11, color: token('color.text.subtle', '#44546F') }}
                          >
                            {entry.target.id}
                          </span>
                        ) : null}
                      </span>
                    ),
                  },
                  {
                    key: 'outcome',
                    content: <Lozenge appearance={OUTCOME_APPEARANCE[entry.outcome]}>{entry.outcome}</Lozenge>,
                  },
                  { key: 'detail', content: <span style={{ overflowWrap: 'anywhere' }}>{entry.detail ?? '—'}</span> },
                ],
              }))}
              emptyView={
                applied.text.trim() && view.cursor ? (
                  <EmptyState title={`No match among the ${view.scanned ?? 0} entries searched`}>
                    <Button
                      onClick={() => setCursors((current) => [...current, view.cursor])}
                      testId="audit-search-more"
                    >
                      Search older entries
                    </Button>
                  </EmptyState>
                ) : JSON.stringify(applied) === JSON.stringify(NO_FILTERS) ? (
                  <EmptyState title="The audit log is empty">
                    Entries appear once the identity provider pushes changes or an admin changes settings.
                  </EmptyState>
                ) : (
                  <EmptyState title="No entries match these filters" />
                )
              }
            />
            <nav aria-label="Audit log pages" style={{ display: 'flex', gap: 8, marginTop: 8 }}>
              <Button isDisabled={cursors.length <= 1} onClick={() => setCursors((current) => current.slice(0, -1))}>
                Newer
              </Button>
              <Button
                isDisabled={!view.cursor}
                onClick={() => setCursors((current) => [...current, view.cursor])}
                testId="audit-older"
              >
                Older
              </Button>
            </nav>
          </div>
        )}
      </LoadableView>
    </div>
  );
}
