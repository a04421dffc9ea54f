/** The audit log on the local KVS: append, paging through each index, exports, redaction and retention. */
import { exportAuditPage, csvCell, type AuditExportPage } from '../../src/sync/audit-export';
import {
  AUDIT_ENTITY,
  AuditLog,
  MAX_DOC_BYTES,
  type AuditEntry,
  type AuditEntryInput,
  type AuditQuery,
} from '../../src/sync/audit-log';
import { kvsPerTest } from '../support/kvs-per-test';

const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const DAY_MS = 86_400_000;

function makeEntry(overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return {
    source: 'sync',
    action: 'invite-user',
    target: { kind: 'User', id: 'u-1', display: 'ada@example.com' },
    userKey: 'u-1',
    outcome: 'applied',
    ...overrides,
  };
}

/** Every page of an export, followed by its cursors. */
async function exportAll(
  log: AuditLog,
  query: Omit<AuditQuery, 'limit' | 'cursor'>,
  format: 'csv' | 'json',
  limits?: { maxBytes: number; maxQueries: number },
): Promise<AuditExportPage[]> {
  const pages: AuditExportPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await exportAuditPage(log, query, format, cursor, limits);
    pages.push(page);
    cursor = page.cursor;
  } while (cursor !== undefined && pages.length < 1000);
  return pages;
}

async function everything(
  log: AuditLog,
  query: Omit<AuditQuery, 'cursor'>,
): Promise<{ entries: AuditEntry[]; pages: number }> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await log.query({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    expect(page.entries.length).toBeLessThanOrEqual(query.limit ?? 50);
    entries.push(...page.entries);
    cursor = page.cursor;
    pages += 1;
  } while (cursor !== undefined);
  return { entries, pages };
}

describe('AuditLog', () => {
  const fixture = kvsPerTest(T0);
  let log: AuditLog;
  beforeEach(() => {
    log = new AuditLog({ kvs: fixture.kvs, now: () => new Date(fixture.clock.ms) });
  });

  it('appends an entry that reads back as written, with keys folded to lower case', async () => {
    const id = await log.append(
      makeEntry({
        userKey: 'U-1',
        groupKey: 'G-1',
        before: { active: true },
        after: { active: false },
        detail: 'suspended',
      }),
    );
    const page = await log.query({});
    expect(page).toEqual({
      entries: [
        {
          id,
          at: new Date(T0).toISOString(),
          source: 'sync',
          action: 'invite-user',
          target: { kind: 'User', id: 'u-1', display: 'ada@example.com' },
          userKey: 'u-1',
          groupKey: 'g-1',
          before: { active: true },
          after: { active: false },
          outcome: 'applied',
          detail: 'suspended',
        },
      ],
      scanned: 1,
    });
    expect(await fixture.kvs.entity(AUDIT_ENTITY).get(id)).toMatchObject({
      at: new Date(T0).toISOString(),
      userKey: 'u-1',
      groupKey: 'g-1',
      outcome: 'applied',
    });
  });

  it('refuses entries it cannot file', async () => {
    await expect(log.append(makeEntry({ outcome: 'done' as never }))).rejects.toThrow(/outcome/);
    await expect(log.append(makeEntry({ source: 'idp' as never }))).rejects.toThrow(/source/);
    await expect(log.append(makeEntry({ action: ' ' }))).rejects.toThrow(/action/);
    await expect(log.append(makeEntry({ at: 'yesterday' }))).rejects.toThrow(/at must be a date/);
  });

  describe('with entries for several users, groups and outcomes', () => {
    // 75 entries one minute apart: user a on every third, group g on every fifth, outcome failed on every fourth.
    const COUNT = 75;
    const atOf = (i: number): string => new Date(T0 + i * 60_000).toISOString();
    beforeEach(async () => {
      const entries = Array.from({ length: COUNT }, (_, i) =>
        makeEntry({
          at: atOf(i),
          action: `step-${i}`,
          userKey: i % 3 === 0 ? 'user-a' : `user-${i}`,
          ...(i % 5 === 0 ? { groupKey: 'group-g' } : {}),
          outcome: i % 4 === 0 ? 'failed' : 'applied',
        }),
      );
      fixture.service.stats.reset();
      await log.appendMany(entries);
      // 75 entries in transactions of at most 25.
      expect(fixture.service.stats.snapshot().transactions).toBe(3);
    });

    const steps = (entries: readonly AuditEntry[]): number[] =>
      entries.map((e) => Number(e.action.slice('step-'.length)));
    const expected = (predicate: (i: number) => boolean): number[] =>
      Array.from({ length: COUNT }, (_, i) => COUNT - 1 - i).filter(predicate);

    const indexCases: {
      name: string;
      query: Omit<AuditQuery, 'cursor' | 'limit'>;
      predicate: (i: number) => boolean;
    }[] = [
      { name: 'the at index (no criteria)', query: {}, predicate: () => true },
      { name: 'by-user', query: { user: 'USER-A' }, predicate: (i) => i % 3 === 0 },
      { name: 'by-group', query: { group: 'group-g' }, predicate: (i) => i % 5 === 0 },
      { name: 'by-outcome', query: { outcome: 'failed' }, predicate: (i) => i % 4 === 0 },
      {
        name: 'by-user with an outcome filter',
        query: { user: 'user-a', outcome: 'failed' },
        predicate: (i) => i % 12 === 0,
      },
      {
        name: 'by-group with a user filter',
        query: { group: 'group-g', user: 'user-a' },
        predicate: (i) => i % 15 === 0,
      },
      {
        name: 'the at index with a time range',
        query: { from: atOf(10), to: atOf(40) },
        predicate: (i) => i >= 10 && i <= 40,
      },
      {
        name: 'by-user with a time range',
        query: { user: 'user-a', from: new Date(atOf(30)) },
        predicate: (i) => i % 3 === 0 && i >= 30,
      },
      {
        name: 'by-outcome up to a time',
        query: { outcome: 'applied', to: atOf(20) },
        predicate: (i) => i % 4 !== 0 && i <= 20,
      },
    ];
    it.each(indexCases)(
      'pages through $name newest first, 7 at a time, without repeats or gaps',
      async ({ query, predicate }) => {
        const { entries } = await everything(log, { ...query, limit: 7 });
        expect(steps(entries)).toEqual(expected(predicate));
      },
    );

    it('serves more than 20 entries in one page of up to 100 by reading several store pages', async () => {
      fixture.service.stats.reset();
      const page = await log.query({ limit: 100 });
      expect(steps(page.entries)).toEqual(expected(() => true));
      expect(page.cursor).toBeUndefined();
      expect(fixture.service.stats.snapshot().queries).toBe(4);
    });

    it('pages by user across more than 20 entries with the largest store page', async () => {
      const { entries, pages } = await everything(log, { user: 'user-a', limit: 20 });
      expect(entries).toHaveLength(25);
      expect(pages).toBe(2);
    });

    it('refuses a cursor from another query', async () => {
      const first = await log.query({ user: 'user-a', limit: 5 });
      expect(first.cursor).toBeDefined();
      await expect(log.query({ group: 'group-g', cursor: first.cursor ?? '' })).rejects.toThrow(
        /does not belong to this query/,
      );
      await expect(log.query({ user: 'user-b', cursor: first.cursor ?? '' })).rejects.toThrow(
        /does not belong to this query/,
      );
      await expect(log.query({ cursor: 'garbage' })).rejects.toThrow(/does not belong to this query/);
    });

    it('refuses limits outside 1..100', async () => {
      await expect(log.query({ limit: 0 })).rejects.toThrow(/limit/);
      await expect(log.query({ limit: 101 })).rejects.toThrow(/limit/);
    });

    it('exports every matching entry as JSON', async () => {
      const [full, ...more] = await exportAll(log, { user: 'user-a' }, 'json');
      expect(more).toEqual([]);
      expect(full).toMatchObject({ contentType: 'application/json', rows: 25 });
      const parsed = JSON.parse(full?.body ?? '') as { format: string; entries: AuditEntry[] };
      expect(parsed.format).toBe('bitbucket-scim-sync/audit@1');
      expect(steps(parsed.entries)).toEqual(expected((i) => i % 3 === 0));
    });

    it('exports in pages within the byte and query bounds that together hold every entry once, in order', async () => {
      const whole = (await everything(log, { limit: 100 })).entries.map((e) => e.id);
      // One query page per export page (plus the exact re-read of a page cut short), and the query's limit made small.
      let queries = 0;
      const counted = {
        query: (q: AuditQuery) => ((queries += 1), log.query({ ...q, limit: Math.min(q.limit ?? 50, 10) })),
      };
      const byQueries: AuditExportPage[] = [];
      let cursor: string | undefined;
      do {
        queries = 0;
        const page = await exportAuditPage(counted, {}, 'csv', cursor, { maxBytes: 1_000_000, maxQueries: 1 });
        expect(queries).toBe(1);
        byQueries.push(page);
        cursor = page.cursor;
      } while (cursor !== undefined);
      expect(byQueries.map((p) => p.rows)).toEqual([10, 10, 10, 10, 10, 10, 10, 5]);
      expect(
        byQueries
          .map((p) => p.body)
          .join('')
          .split('\r\n')
          .slice(1, -1)
          .map((line) => line.slice(0, line.indexOf(','))),
      ).toEqual(whole);
      for (const limits of [
        { maxBytes: 2_000, maxQueries: 12 },
        { maxBytes: 150, maxQueries: 12 },
      ]) {
        const csv = await exportAll(log, {}, 'csv', limits);
        expect(csv.length).toBeGreaterThan(1);
        for (const page of csv) expect(page.rows === 1 || Buffer.byteLength(page.body) <= limits.maxBytes).toBe(true);
        const lines = csv
          .map((p) => p.body)
          .join('')
          .split('\r\n');
        expect(lines[0]).toMatch(/^id,at,source/);
        expect(lines.slice(1, -1).map((line) => line.slice(0, line.indexOf(',')))).toEqual(whole);
        const json = await exportAll(log, {}, 'json', limits);
        expect(json.flatMap((p) => (JSON.parse(p.body) as { entries: AuditEntry[] }).entries.map((e) => e.id))).toEqual(
          whole,
        );
      }
    });
  });

  it('exports CSV with RFC 4180 quoting and neutralised formulas', async () => {
    await log.append(
      makeEntry({
        action: '=HYPERLINK("http://evil.example","click")',
        target: { kind: 'Group', id: '+cmd', display: 'Team, "Core"\nsecond line' },
        userKey: '@admin',
        detail: '-2+3',
        before: { name: 'a,b' },
      }),
    );
    const [csv] = await exportAll(log, {}, 'csv');
    if (!csv) throw new Error('no page');
    const [header, row, end] = csv.body.split('\r\n');
    expect(header).toBe(
      'id,at,source,action,outcome,targetKind,targetId,targetDisplay,userKey,groupKey,before,after,detail,actor',
    );
    expect(end).toBe('');
    expect(row).toContain(
      `,"'=HYPERLINK(""http://evil.example"",""click"")",applied,Group,'+cmd,"Team, ""Core""\nsecond line",'@admin,,"{""name"":""a,b""}",,'-2+3`,
    );
    expect(csv.body.split('\r\n')).toHaveLength(3);
  });

  const cells: [string, string][] = [
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['=a,"b"', `"'=a,""b"""`],
    ['a=b', 'a=b'],
  ];
  it.each(cells)('writes the cell %j as %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('redacts values of keys named like secrets, at any depth', async () => {
    await log.append(
      makeEntry({
        target: { kind: 'Settings', id: 'credentials' },
        before: {
          orgApiKey: 'key-old-1234',
          nested: [{ password: 'hunter2', note: 'kept' }],
          bitbucket_api_token: 'tok',
          Authorization: 'Bearer x',
        },
        after: { orgApiKey: 'key-new-5678', clientSecret: { value: 'deep' }, email: 'admin@example.com' },
      }),
    );
    const [entry] = (await log.query({})).entries;
    expect(entry?.before).toEqual({
      orgApiKey: '[redacted]',
      nested: [{ password: '[redacted]', note: 'kept' }],
      bitbucket_api_token: '[redacted]',
      Authorization: '[redacted]',
    });
    expect(entry?.after).toEqual({ orgApiKey: '[redacted]', clientSecret: '[redacted]', email: 'admin@example.com' });
    const raw = JSON.stringify(await exportAll(log, {}, 'json'));
    for (const secret of ['key-old-1234', 'hunter2', 'key-new-5678', 'deep', 'Bearer x'])
      expect(raw).not.toContain(secret);
  });

  it('keeps entries small by replacing oversized before/after values with their size', async () => {
    const id = await log.append(makeEntry({ before: { members: 'x'.repeat(20_000) }, after: { members: 'small' } }));
    const stored = await fixture.kvs.entity(AUDIT_ENTITY).get(id);
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThan(MAX_DOC_BYTES + 1024);
    const [entry] = (await log.query({})).entries;
    expect(entry?.before).toMatch(/^\[omitted: \d+ bytes\]$/);
    expect(entry?.after).toEqual({ members: 'small' });
  });

  it('lets entries expire after the retention period', async () => {
    const shortLog = new AuditLog({ kvs: fixture.kvs, now: () => new Date(fixture.clock.ms), retentionDays: 7 });
    await log.append(makeEntry({ action: 'kept-90-days' }));
    // Two logs order entries of one millisecond arbitrarily between them; a millisecond apart they are ordered.
    fixture.clock.ms += 1;
    await shortLog.append(makeEntry({ action: 'kept-7-days' }));
    fixture.clock.ms = T0 + 1 + 7 * DAY_MS - 1;
    expect((await log.query({})).entries.map((e) => e.action)).toEqual(['kept-7-days', 'kept-90-days']);
    fixture.clock.ms = T0 + 1 + 7 * DAY_MS;
    expect((await log.query({})).entries.map((e) => e.action)).toEqual(['kept-90-days']);
    fixture.clock.ms = T0 + 90 * DAY_MS;
    expect((await log.query({})).entries).toEqual([]);
  });

  it('expires entries appended together as well', async () => {
    await log.appendMany([makeEntry(), makeEntry()]);
    fixture.clock.ms = T0 + 90 * DAY_MS;
    expect((await log.query({ user: 'u-1' })).entries).toEqual([]);
  });

  it('refuses a retention outside 1..365 days', () => {
    expect(() => new AuditLog({ kvs: fixture.kvs, retentionDays: 0 })).toThrow(/retention/);
    expect(() => new AuditLog({ kvs: fixture.kvs, retentionDays: 366 })).toThrow(/retention/);
    expect(() => new AuditLog({ kvs: fixture.kvs, retentionDays: 1.5 })).toThrow(/retention/);
  });

  it('keeps the order of entries appended within one millisecond', async () => {
    await log.appendMany(Array.from({ length: 30 }, (_, i) => makeEntry({ action: `same-ms-${i}` })));
    const { entries } = await everything(log, { limit: 100 });
    expect(entries.map((e) => e.action)).toEqual(Array.from({ length: 30 }, (_, i) => `same-ms-${29 - i}`));
  });
});
