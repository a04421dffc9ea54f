/**
 * The app's reactions as pure readers of the stored results, the catalog's words for them, and the store that keeps
 * the results (one per `kvs`, cached on hot paths, recorded results seen at once).
 */
import { makeKvs } from '../../rigs/local-kvs-fixture';
import { checkCatalog, impactOf, reactionOf } from '../../src/diagnostics/check-catalog';
import { DiagnosticsStore, DIAGNOSTICS_KEY } from '../../src/diagnostics/diagnostics-store';
import {
  connectionBlock,
  permissionSyncBlock,
  scimWriteBlock,
  storageCountsAsOutbound,
} from '../../src/diagnostics/verdicts';
import {
  DIAGNOSTIC_CHECKS,
  type DiagnosticCheckId,
  type DiagnosticResult,
  type DiagnosticVerdict,
} from '../../src/shared/diagnostics-api';

function result(
  check: DiagnosticCheckId,
  verdict: DiagnosticVerdict,
  finding: string,
  observed = 'it was so',
): DiagnosticResult {
  return {
    check,
    verdict,
    finding,
    impact: impactOf(check, verdict),
    assumed: 'a',
    observed,
    reaction: reactionOf(check, verdict),
    steps: [],
    at: '2026-12-07T10:00:00.000Z',
    durationMs: 1,
    emulated: true,
  };
}

describe('verdict readers', () => {
  it('change nothing without results, or with results as assumed or inconclusive', () => {
    for (const results of [
      [],
      DIAGNOSTIC_CHECKS.map((check) => result(check, 'as-assumed', 'x')),
      DIAGNOSTIC_CHECKS.map((check) => result(check, 'inconclusive', 'x')),
    ]) {
      expect(storageCountsAsOutbound(results)).toBe(true);
      expect(connectionBlock(results)).toBeUndefined();
      expect(permissionSyncBlock(results)).toBeUndefined();
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
        expect(scimWriteBlock(results, method)).toBeUndefined();
    }
  });

  it('stop counting storage only when an installation answered that it does not count', () => {
    expect(storageCountsAsOutbound([result('storage-outbound', 'differs', 'not-counted')])).toBe(false);
    expect(storageCountsAsOutbound([result('storage-outbound', 'inconclusive', 'kvs-quota')])).toBe(true);
  });

  it('block the connection for refused egress or an unconfirmed workspace, naming what was observed', () => {
    expect(connectionBlock([result('egress', 'differs', 'refused', 'the platform refused api.bitbucket.org')])).toBe(
      'egress to Atlassian (Diagnostics, 2026-12-07T10:00:00.000Z: the platform refused api.bitbucket.org)',
    );
    expect(
      connectionBlock([result('install-context', 'differs', 'unknown-workspace', 'Bitbucket does not know it')]),
    ).toContain('a confirmed workspace');
  });

  it('refuse permission sync while the group-slug check differs', () => {
    expect(permissionSyncBlock([result('group-slug', 'differs', 'unresolved', 'Bitbucket answered 404')])).toBe(
      'Permission sync is refused: the Diagnostics group-slug check (2026-12-07T10:00:00.000Z) found that Bitbucket answered 404',
    );
  });

  it('refuse SCIM creates when NOT_EXISTS fails on a new key, and every write when conditions are ignored', () => {
    const failing = [result('kvs-conditions', 'differs', 'missing-key-fails')];
    expect(scimWriteBlock(failing, 'POST')).toContain('the write is refused');
    expect(scimWriteBlock(failing, 'PATCH')).toBeUndefined();
    const ignored = [result('kvs-conditions', 'differs', 'condition-ignored')];
    for (const method of ['post', 'PUT', 'PATCH', 'DELETE']) expect(scimWriteBlock(ignored, method)).toBeDefined();
    expect(scimWriteBlock(ignored, 'GET')).toBeUndefined();
  });
});

describe('the catalog', () => {
  it('lists every check once, with the group-slug check alone asking for confirmation', () => {
    expect(checkCatalog().map((check) => check.id)).toEqual([...DIAGNOSTIC_CHECKS]);
    expect(
      checkCatalog()
        .filter((check) => check.needsConfirmation)
        .map((check) => check.id),
    ).toEqual(['group-slug']);
  });

  it('calls a differing storage count adapted and every other difference refusing', () => {
    expect(impactOf('storage-outbound', 'differs')).toBe('adapted');
    for (const check of DIAGNOSTIC_CHECKS.filter((id) => id !== 'storage-outbound'))
      expect(impactOf(check, 'differs')).toBe('refusing');
    for (const check of DIAGNOSTIC_CHECKS) expect(impactOf(check, 'inconclusive')).toBe('none');
  });
});

describe('DiagnosticsStore', () => {
  it('keeps the latest result per check in check order, shared per kvs, and reads through its cache only when asked', async () => {
    const { kvs, service } = makeKvs();
    const store = DiagnosticsStore.for(kvs);
    expect(DiagnosticsStore.for(kvs)).toBe(store);
    expect(await store.results()).toEqual([]);
    await store.record(result('group-slug', 'differs', 'unresolved'));
    await store.record(result('egress', 'as-assumed', 'reached'));
    await store.record(result('group-slug', 'as-assumed', 'resolved'));
    expect((await store.results()).map((r) => `${r.check}:${r.finding}`)).toEqual([
      'egress:reached',
      'group-slug:resolved',
    ]);

    // Another writer (another function instance) changes the results: the cache serves the old ones until it expires.
    await kvs.set(DIAGNOSTICS_KEY, { v: 1, results: {} });
    expect(await store.results({ maxAgeMs: 30_000 })).toHaveLength(2);
    expect(await store.results()).toEqual([]);
    await kvs.set(DIAGNOSTICS_KEY, 'not results');
    expect(await new DiagnosticsStore(kvs).results()).toEqual([]);
    await service.close();
  });
});
