/**
 * Each Diagnostics check on its own, against the local KVS service, the local Forge runtime and the emulators:
 * the answer the app assumes, each way the check can find otherwise (through the test switches that make the
 * stand-ins answer differently), and what the check leaves behind (nothing). These prove the checks' plumbing;
 * what a live installation answers is recorded in the README.
 */
import * as path from 'node:path';
import { VirtualClock } from '../../emulators/virtual-clock';
import { hmacSigner } from '../../src/auth/cursor-signer';
import type { SyncTransport } from '../../src/app/create-sync';
import { checkEgress } from '../../src/diagnostics/checks/egress-check';
import { checkGroupSlug, type GroupSlugTrace } from '../../src/diagnostics/checks/group-slug-check';
import { checkInstallContext } from '../../src/diagnostics/checks/install-context-check';
import { checkKvsConditions } from '../../src/diagnostics/checks/kvs-conditions-check';
import {
  OBSERVATION_TTL_MS,
  openObservation,
  outboundOutcome,
  probeStorageRequests,
  refusalKind,
  sealObservation,
} from '../../src/diagnostics/checks/outbound-check';
import { DiagnosticsError } from '../../src/diagnostics/diagnostics-error';
import { ForgeRuntime } from '../../src/local/forge-runtime';
import type { LocalHostOptions } from '../../src/local/local-host';
import {
  createLocalKvs,
  createLocalKvsService,
  loadEntityDefinitions,
  type TransactionConditionMode,
} from '../../src/storage/local-kvs';
import type { TargetFetch } from '../../src/targets/http/target-fetch';
import {
  EMULATED_BITBUCKET_RESOURCE_ID,
  EMULATED_WORKSPACE_UUID,
  slugifyGroupName,
  validatorFor,
} from '../../emulators';
import { startInProcessHost, type InProcessHost } from '../support/in-process-host';

const ENTITIES = loadEntityDefinitions(path.resolve(__dirname, '../../manifest.yml'));
const NO_WAIT = { now: () => Date.now(), sleep: async () => undefined };

function storage(mode: TransactionConditionMode = 'evaluated') {
  const service = createLocalKvsService({ entities: ENTITIES, transactionConditions: mode });
  return { service, kvs: createLocalKvs(service) };
}

/** The scratch key a kvs-conditions step names. */
function scratchKeyOf(detail: string): string {
  const key = /diagnostics\.[0-9a-f-]{36}/.exec(detail)?.[0];
  if (!key) throw new Error(`no scratch key in ${detail}`);
  return key;
}

describe('the operations the checks call directly', () => {
  it.each(['/workspaces/{workspace}', '/repositories/{workspace}'])(
    'GET %s is current in the Bitbucket spec and takes an API token',
    (template) => {
      const operation = validatorFor('bitbucket-cloud').operation('GET', template);
      expect(operation?.operation.deprecated).not.toBe(true);
      expect(operation?.operation['x-atlassian-auth-types']).toContain('api-token');
    },
  );
});

describe('the kvs-conditions check', () => {
  it('finds NOT_EXISTS honoured by the local service as Forge is assumed to, and removes its scratch key', async () => {
    const { service, kvs } = storage();
    const outcome = await checkKvsConditions(kvs);
    expect(outcome).toMatchObject({ verdict: 'as-assumed', finding: 'honoured' });
    expect(outcome.steps.map((step) => step.ok)).toEqual([true, true, true]);
    expect(await kvs.entity('scim-claim').get(scratchKeyOf(outcome.steps[2]?.detail ?? ''))).toBeUndefined();
    await service.close();
  });

  it('finds a condition that does not pass on a new key', async () => {
    const { service, kvs } = storage('missing-item-fails');
    const outcome = await checkKvsConditions(kvs);
    expect(outcome).toMatchObject({ verdict: 'differs', finding: 'missing-key-fails' });
    expect(outcome.observed).toContain('did not pass on a key that does not exist');
    expect(outcome.steps).toHaveLength(2);
    await service.close();
  });

  it('finds conditions that are not checked, and still removes its key', async () => {
    const { service, kvs } = storage('ignored');
    const outcome = await checkKvsConditions(kvs);
    expect(outcome).toMatchObject({ verdict: 'differs', finding: 'condition-ignored' });
    const removal = outcome.steps.find((step) => step.name === 'Remove the scratch key');
    expect(removal?.ok).toBe(true);
    expect(await kvs.entity('scim-claim').get(scratchKeyOf(removal?.detail ?? ''))).toBeUndefined();
    await service.close();
  });

  it('is inconclusive when storage fails for another reason than the condition', async () => {
    const failing = createLocalKvs({
      fetch: async () =>
        new Response(JSON.stringify({ code: 'INTERNAL_SERVER_ERROR', message: 'storage is down' }), { status: 500 }),
    });
    const outcome = await checkKvsConditions(failing);
    expect(outcome).toMatchObject({ verdict: 'inconclusive', finding: 'error' });
    expect(outcome.observed).toContain('storage is down');
  });
});

describe('the storage-outbound check', () => {
  function runtimeRig(storageCountsAsOutbound: boolean, quotas?: { requestsPerSecond: number }) {
    const clock = new VirtualClock({ autoAdvance: true });
    // With a rate quota to meet, requests cost no time, so 51 of them fall in one second.
    const latency = quotas ? { kvsMs: 0, remoteMs: 0, deliveryMs: 0 } : { kvsMs: 30, remoteMs: 250, deliveryMs: 1000 };
    const runtime = new ForgeRuntime({ mode: 'enforce', clock, latency, storageCountsAsOutbound });
    const service = createLocalKvsService({
      entities: ENTITIES,
      clock: () => clock.now(),
      ...(quotas ? { quotas } : {}),
    });
    return { runtime, service, clock, kvs: createLocalKvs({ fetch: runtime.storage(service.fetch) }) };
  }

  it('sees the 101st storage request of a resolver refused when storage counts, within 25 s', async () => {
    const { runtime, service, kvs, clock } = runtimeRig(true);
    const observation = await runtime.resolver('diagnostics/run', () => probeStorageRequests(kvs, () => clock.now()));
    expect(observation).toMatchObject({ reads: 100, refusedAt: 101, refusal: { kind: 'outbound-limit' } });
    expect(observation.durationMs).toBeLessThan(25_000);
    expect(outboundOutcome(observation)).toMatchObject({ verdict: 'as-assumed', finding: 'counted' });
    await service.close();
  });

  it('sees all 101 answered when storage does not count', async () => {
    const { runtime, service, kvs } = runtimeRig(false);
    const observation = await runtime.resolver('diagnostics/run', () => probeStorageRequests(kvs));
    expect(observation).toEqual({ reads: 101, durationMs: expect.any(Number) });
    expect(outboundOutcome(observation)).toMatchObject({ verdict: 'differs', finding: 'not-counted' });
    expect(runtime.violations.total).toBe(0);
    await service.close();
  });

  it('tells the KVS rate quota apart from the outbound limit and calls it inconclusive', async () => {
    const { runtime, service, kvs } = runtimeRig(false, { requestsPerSecond: 50 });
    const observation = await runtime.resolver('diagnostics/run', () => probeStorageRequests(kvs, () => 0));
    expect(observation).toMatchObject({ refusedAt: 51, refusal: { kind: 'kvs-quota' } });
    expect(outboundOutcome(observation)).toMatchObject({ verdict: 'inconclusive', finding: 'kvs-quota' });
    await service.close();
  });

  it('classifies refusals by status, code and the proxy text', () => {
    expect(refusalKind({ responseDetails: { status: 429 }, code: 'UNKNOWN_ERROR' })).toBe('outbound-limit');
    expect(refusalKind({ responseDetails: { status: 429 }, code: 'RATE_LIMIT_EXCEEDED' })).toBe('kvs-quota');
    expect(refusalKind(new Error('forge-proxy-error: FETCH_LIMIT_EXCEEDED'))).toBe('outbound-limit');
    expect(refusalKind({ responseDetails: { status: 500 }, code: 'INTERNAL_SERVER_ERROR' })).toBe('other');
  });

  it('seals an observation that only this installation can open, and only for ten minutes', () => {
    const signer = hmacSigner(Buffer.alloc(32, 7));
    const observation = {
      reads: 100,
      refusedAt: 101,
      refusal: { kind: 'outbound-limit' as const, detail: 'x' },
      durationMs: 3000,
    };
    const sealed = sealObservation(signer, observation, 1_000_000);
    expect(openObservation(signer, sealed, 1_000_000 + 60_000)).toEqual({ observation, at: 1_000_000 });
    expect(() => openObservation(signer, sealed, 1_000_000 + OBSERVATION_TTL_MS + 1)).toThrow(DiagnosticsError);
    expect(() => openObservation(hmacSigner(Buffer.alloc(32, 8)), sealed, 1_000_000)).toThrow(DiagnosticsError);
    expect(() =>
      openObservation(signer, signer.sign(JSON.stringify({ p: 'admin-page', at: 1_000_000, observation })), 1_000_000),
    ).toThrow(DiagnosticsError);
    expect(() => openObservation(signer, `${sealed}x`, 1_000_000)).toThrow(DiagnosticsError);
  });
});

describe('checks against the emulators', () => {
  let started: InProcessHost | undefined;

  afterEach(async () => {
    await started?.stop();
    started = undefined;
  });

  async function host(options: Partial<LocalHostOptions> = {}): Promise<InProcessHost> {
    started = await startInProcessHost({ bearerToken: 'checks-token', ...options });
    return started;
  }

  describe('egress', () => {
    const target = { orgId: 'emulated-org', workspace: 'emulated-workspace' };

    it('reaches both emulated APIs through the sync transport with the saved credentials', async () => {
      const { host: h } = await host();
      const outcome = await checkEgress(h.sync.transport, target);
      expect(outcome).toMatchObject({ verdict: 'as-assumed', finding: 'reached' });
      expect(outcome.steps.map((step) => step.name)).toEqual(['Admin API', 'Bitbucket']);
    });

    it('finds a host the runtime refuses (REQUEST_EGRESS_ALLOWLIST_ERR)', async () => {
      const { host: h } = await host({ egressAllowed: (url) => !url.includes('/emulated/bitbucket/') });
      const outcome = await checkEgress(h.sync.transport, target);
      expect(outcome).toMatchObject({ verdict: 'differs', finding: 'refused' });
      expect(outcome.steps.find((step) => step.name === 'Bitbucket')?.detail).toContain('REQUEST_EGRESS_ALLOWLIST_ERR');
      expect(outcome.steps.find((step) => step.name === 'Admin API')?.ok).toBe(true);
    });

    function transport(fetch: TargetFetch, withCredentials = true): SyncTransport {
      return {
        fetch,
        baseUrls: () => ({ admin: 'https://api.atlassian.com/admin', bitbucket: 'https://api.bitbucket.org' }),
        credentials: async () =>
          withCredentials ? { orgApiKey: 'k', bitbucketEmail: 'a@example.com', bitbucketApiToken: 't' } : undefined,
      };
    }
    const answer =
      (status: number, headers: Record<string, string> = {}): TargetFetch =>
      async () => ({ status, headers: { get: (name) => headers[name] ?? null }, text: async () => '{}' });

    it('reads a platform answer with forge-proxy-error as a refusal, unless it is the outbound budget', async () => {
      expect(
        await checkEgress(transport(answer(403, { 'forge-proxy-error': 'EGRESS_NOT_ALLOWED' })), target),
      ).toMatchObject({ verdict: 'differs', finding: 'refused' });
      expect(
        await checkEgress(transport(answer(429, { 'forge-proxy-error': 'FETCH_LIMIT_EXCEEDED' })), target),
      ).toMatchObject({ verdict: 'inconclusive', finding: 'no-answer' });
    });

    it('is inconclusive when the credentials are refused, none are saved, or nothing answers', async () => {
      const refused = await checkEgress(transport(answer(401)), target);
      expect(refused).toMatchObject({ verdict: 'inconclusive', finding: 'credential-refused' });
      expect(refused.observed).toContain(
        'GET https://api.atlassian.com/admin/v2/orgs/emulated-org/directories answered 401',
      );
      expect(await checkEgress(transport(answer(200), false), target)).toMatchObject({
        verdict: 'inconclusive',
        finding: 'no-credentials',
      });
      const silent: TargetFetch = async () => {
        throw new TypeError('fetch failed');
      };
      expect(await checkEgress(transport(silent), target)).toMatchObject({
        verdict: 'inconclusive',
        finding: 'no-answer',
      });
      expect(await checkEgress(transport(answer(200)), { orgId: '', workspace: '' })).toMatchObject({
        verdict: 'inconclusive',
        finding: 'partial',
      });
    });
  });

  describe('install-context', () => {
    const context = `ari:cloud:bitbucket::workspace/${EMULATED_WORKSPACE_UUID.slice(1, -1)}`;

    it('confirms the emulated workspace named by its ARI', async () => {
      const { host: h } = await host();
      const settings = await h.sync.settings.get();
      const outcome = await checkInstallContext(h.sync.transport, settings.target, context);
      expect(context).toBe(EMULATED_BITBUCKET_RESOURCE_ID);
      expect(outcome).toMatchObject({ verdict: 'as-assumed', finding: 'confirmed' });
    });

    it('finds a context of another form, a workspace Bitbucket does not know, and a target that is another workspace or resource', async () => {
      const { host: h } = await host();
      const { target } = await h.sync.settings.get();
      expect(await checkInstallContext(h.sync.transport, target, 'ari:cloud:bitbucket::site/123')).toMatchObject({
        verdict: 'differs',
        finding: 'unexpected-form',
      });
      expect(await checkInstallContext(h.sync.transport, target, undefined)).toMatchObject({
        verdict: 'differs',
        finding: 'unexpected-form',
      });
      const unknown = await checkInstallContext(
        h.sync.transport,
        target,
        'ari:cloud:bitbucket::workspace/00000000-0000-4000-8000-00000000abcd',
      );
      expect(unknown).toMatchObject({ verdict: 'differs', finding: 'unknown-workspace' });
      expect(unknown.observed).toContain('answered 404');
      expect(
        await checkInstallContext(h.sync.transport, { ...target, workspace: 'another-workspace' }, context),
      ).toMatchObject({ verdict: 'differs', finding: 'other-workspace' });
      expect(
        await checkInstallContext(
          h.sync.transport,
          { ...target, workspaceResourceId: 'ari:cloud:bitbucket::workspace/other' },
          context,
        ),
      ).toMatchObject({ verdict: 'differs', finding: 'other-resource' });
      expect(
        await checkInstallContext(h.sync.transport, { ...target, workspace: '', workspaceResourceId: '' }, context),
      ).toMatchObject({ verdict: 'as-assumed' });
    });
  });

  describe('group-slug', () => {
    async function connected(h: InProcessHost) {
      const result = await h.host.sync.connect();
      if (!result.ok) throw new Error(`not connected: ${result.missing.join(', ')}`);
      return { admin: result.admin, bitbucket: result.bitbucket, settings: result.settings, clock: NO_WAIT };
    }

    it('grants and reads back a read grant under the computed slug, then leaves neither grant nor group behind', async () => {
      const h = await host();
      const emulators = h.host.emulators;
      if (!emulators) throw new Error('no emulators');
      let trace: GroupSlugTrace | undefined;
      const outcome = await checkGroupSlug(await connected(h), 'web-app', (t) => (trace = t));
      expect(outcome).toMatchObject({ verdict: 'as-assumed', finding: 'resolved' });
      expect(trace?.slug).toBe(slugifyGroupName(trace?.group ?? ''));
      expect(trace?.group).toMatch(/^scim-diagnostics-[0-9a-f]{8}$/);
      expect(trace?.leftBehind).toEqual([]);
      expect(emulators.admin.state.groups.size).toBe(0);
      expect(emulators.bitbucket.state.permissions.size).toBe(0);
      const writes = emulators.bitbucket.writeLog.map(
        (entry) => `${entry.method} ${entry.path.replace(/groups\/.*/, 'groups/…')}`,
      );
      expect(writes).toEqual([
        'PUT /2.0/repositories/emulated-workspace/web-app/permissions-config/groups/…',
        'DELETE /2.0/repositories/emulated-workspace/web-app/permissions-config/groups/…',
      ]);
    });

    it('finds a group Bitbucket knows by another slug, and still removes the group', async () => {
      const h = await host({ emulators: { groupSlugOf: (name, id) => `${slugifyGroupName(name)}-${id.slice(0, 6)}` } });
      const outcome = await checkGroupSlug(await connected(h), 'web-app');
      expect(outcome).toMatchObject({ verdict: 'differs', finding: 'unresolved' });
      expect(outcome.observed).toContain('answered 404 for group_slug scim-diagnostics-');
      expect(outcome.steps.filter((step) => step.name === 'Grant read under the computed slug')).toHaveLength(1);
      expect(h.host.emulators?.admin.state.groups.size).toBe(0);
    });

    it('tries the grant again while Bitbucket does not see the new group yet', async () => {
      let lookups = 0;
      const h = await host({
        emulators: { groupSlugOf: (name) => (++lookups > 1 ? slugifyGroupName(name) : 'not-yet') },
      });
      const outcome = await checkGroupSlug(await connected(h), 'web-app');
      expect(outcome).toMatchObject({ verdict: 'as-assumed' });
      expect(outcome.steps.find((step) => step.name === 'Grant read under the computed slug')?.detail).toContain(
        '(try 2)',
      );
    });

    it('creates nothing for a repository it cannot read', async () => {
      const h = await host();
      const outcome = await checkGroupSlug(await connected(h), 'no-such-repo');
      expect(outcome).toMatchObject({ verdict: 'inconclusive', finding: 'no-repository' });
      expect(h.host.emulators?.admin.writeLog).toEqual([]);
    });

    it('removes a group whose create answered too late to be seen', async () => {
      const h = await host();
      const emulators = h.host.emulators;
      if (!emulators) throw new Error('no emulators');
      emulators.admin.faults.add({
        fault: { kind: 'drop', when: 'after-handling' },
        match: { method: 'POST', path: /\/groups$/ },
      });
      const outcome = await checkGroupSlug(await connected(h), 'web-app');
      expect(outcome.verdict).toBe('inconclusive');
      expect(outcome.observed).not.toContain('Left behind');
      expect(outcome.steps.find((step) => step.name.startsWith('Clean up: group'))).toMatchObject({ ok: true });
      expect(emulators.admin.state.groups.size).toBe(0);
    });

    it('says what it could not remove', async () => {
      const h = await host();
      h.host.emulators?.bitbucket.faults.add({ fault: { kind: 'status', status: 500 }, match: { method: 'DELETE' } });
      const outcome = await checkGroupSlug(await connected(h), 'web-app');
      expect(outcome.verdict).toBe('as-assumed');
      expect(outcome.observed).toMatch(
        /Left behind, remove by hand: read grant of scim-diagnostics-[0-9a-f]{8} on web-app\./,
      );
      expect(h.host.emulators?.admin.state.groups.size).toBe(0);
    });
  });
});
