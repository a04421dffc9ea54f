/**
 * The intake gate reads a group write's body through the SCIM layer's own checks (src/scim/request-body.ts): a body
 * the service refuses, too large or too deeply nested, is answered with the service's RFC 7644 section 3.12 error
 * (413, 400 invalidSyntax), never the gate's 429 nor a 500, and is not priced.
 */
import { createApp, type AppParts } from '../../src/app/create-app';
import { IntakeGate, type IntakeCost, type IntakeDecision } from '../../src/app/intake-gate';
import { MAX_JSON_DEPTH } from '../../src/scim/json-depth';
import { defaultServiceLimits, type ServiceLimits } from '../../src/scim/service';
import type { ForgeKvs } from '../../src/storage/kvs-port';
import { kvsPerTest } from '../support/kvs-per-test';

const fixture = kvsPerTest();

/** A gate that records what it is asked to price and holds every write, so a priced write shows as a 429. */
class HoldingGate extends IntakeGate {
  readonly priced: IntakeCost[] = [];

  constructor(kvs: ForgeKvs) {
    super(kvs, () => 0);
  }

  override admit(cost: IntakeCost): Promise<IntakeDecision> {
    this.priced.push(cost);
    return Promise.resolve({ admitted: false, retryAfterSeconds: 7 });
  }
}

const members = (n: number, pad = '') => Array.from({ length: n }, (_, i) => ({ value: `user-${i}${pad}` }));

async function start(limits?: Partial<ServiceLimits>): Promise<{
  app: AppParts;
  gate: HoldingGate;
  patch: (body: string) => Promise<{ status: number; body: Record<string, unknown> }>;
}> {
  const gate = new HoldingGate(fixture.kvs);
  const app = createApp({
    kvs: fixture.kvs,
    logger: { error: () => undefined },
    now: () => new Date(fixture.clock.ms),
    intakeGate: gate,
    ...(limits ? { limits } : {}),
  });
  const { token } = await app.tokens.issue({ label: 'test' });
  const call = (method: string, path: string, body: string) =>
    app.handleScim({
      method,
      path,
      query: {},
      headers: { authorization: [`Bearer ${token}`], 'content-type': ['application/scim+json'] },
      body,
      baseUrl: 'https://scim.test/scim/v2',
    });
  // A group without members is not gated.
  const created = await call(
    'POST',
    '/Groups',
    JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Engineering' }),
  );
  expect(created.status).toBe(201);
  const id = (JSON.parse(created.body ?? '{}') as { id: string }).id;
  return {
    app,
    gate,
    patch: async (body) => {
      const response = await call('PATCH', `/Groups/${id}`, body);
      return { status: response.status, body: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
    },
  };
}

const patchOf = (value: unknown) =>
  JSON.stringify({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'add', path: 'members', value }],
  });

it('prices a group PATCH of members the service would take (the gate holds it: 429)', async () => {
  const { gate, patch } = await start();
  const held = await patch(patchOf(members(50)));
  expect(held.status).toBe(429);
  expect(gate.priced).toEqual([{ units: 5 }]);
});

it('answers a PATCH over the service’s body limit 413, unpriced', async () => {
  const { gate, patch } = await start();
  const body = patchOf(members(1_000, 'x'.repeat(1_100)));
  expect(Buffer.byteLength(body)).toBeGreaterThan(defaultServiceLimits.maxBodyBytes);
  const refused = await patch(body);
  expect(refused.status).toBe(413);
  expect(refused.body).toMatchObject({ status: '413' });
  expect(gate.priced).toEqual([]);
});

it('uses the service’s configured body limit, not the default', async () => {
  const { gate, patch } = await start({ maxBodyBytes: 4_096 });
  const body = patchOf(members(200));
  expect(Buffer.byteLength(body)).toBeGreaterThan(4_096);
  expect((await patch(body)).status).toBe(413);
  expect(gate.priced).toEqual([]);
  // Under that limit the same gate prices it.
  expect((await patch(patchOf(members(20)))).status).toBe(429);
  expect(gate.priced).toEqual([{ units: 3 }]);
});

it('answers a PATCH nested deeper than the service allows 400 invalidSyntax, unpriced', async () => {
  const { gate, patch } = await start();
  const deep = `${'['.repeat(MAX_JSON_DEPTH)}1${']'.repeat(MAX_JSON_DEPTH)}`;
  const body = patchOf(members(50)).replace('"user-0"', `"user-0","extra":${deep}`);
  const refused = await patch(body);
  expect(refused.status).toBe(400);
  expect(refused.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
  expect(gate.priced).toEqual([]);
});
