/**
 * The one five-minute scheduled trigger (src/forge/five-minute.ts) runs every five-minute job, each whatever the others
 * did, and the manifest declares no other: Forge allows one `fiveMinute` trigger and five scheduled triggers an app.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { makeFiveMinute } from '../../src/forge/five-minute';

it('runs each step in turn, logs one that fails and still runs the next', async () => {
  const ran: string[] = [];
  const warnings: string[] = [];
  const handler = makeFiveMinute(
    [
      { name: 'first', run: async () => (ran.push('first'), Promise.reject(new Error('storage over quota'))) },
      { name: 'second', run: async () => (ran.push('second'), { statusCode: 204 as const }) },
    ],
    (line) => warnings.push(line),
  );
  expect(await handler()).toEqual({ statusCode: 204 });
  expect(ran).toEqual(['first', 'second']);
  expect(warnings).toEqual(['FIVE_MINUTE_STEP_FAILED first: storage over quota']);
});

it('declares at most one fiveMinute scheduled trigger and at most five in all', () => {
  const manifest = parse(fs.readFileSync(path.resolve(__dirname, '../../manifest.yml'), 'utf8')) as {
    modules: { scheduledTrigger?: { key: string; interval: string; function: string }[] };
  };
  const triggers = manifest.modules.scheduledTrigger ?? [];
  expect(triggers.length).toBeLessThanOrEqual(5);
  expect(triggers.filter((trigger) => trigger.interval === 'fiveMinute').map((trigger) => trigger.function)).toEqual([
    'five-minute-fn',
  ]);
});
