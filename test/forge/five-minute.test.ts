/**
 * The one five-minute scheduled trigger (src/forge/five-minute.ts) runs every five-minute job (the pull schedule, the
 * review step, the sync sweep), each whatever the others did, and the manifest declares no other: Forge allows one
 * `fiveMinute` trigger and five scheduled triggers an app.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { fiveMinuteSteps, makeFiveMinute } from '../../src/forge/five-minute';
import { makeSyncSweep } from '../../src/forge/sync-worker';

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

it('runs the pull schedule, the review step, then the sync sweep, which resumes however the others ended', async () => {
  const ran: string[] = [];
  const warnings: string[] = [];
  const failing = (name: string) => async () => (ran.push(name), Promise.reject(new Error(`${name} broke`)));
  const syncSweep = makeSyncSweep(async () => ({
    resume: async () => (ran.push('sync-sweep'), 'drain' as const),
  }));
  const steps = fiveMinuteSteps({ pullSchedule: failing('pull'), reviewStep: failing('review'), syncSweep });
  expect(steps.map((step) => step.name)).toEqual(['pull-schedule', 'review-step', 'sync-sweep']);
  expect(await makeFiveMinute(steps, (line) => warnings.push(line))()).toEqual({ statusCode: 204 });
  expect(ran).toEqual(['pull', 'review', 'sync-sweep']);
  expect(warnings).toEqual([
    'FIVE_MINUTE_STEP_FAILED pull-schedule: pull broke',
    'FIVE_MINUTE_STEP_FAILED review-step: review broke',
  ]);
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
