/**
 * A lane's storage allowance, carried from one job to the next: a token bucket per lane (and one for drains), kept in
 * a plain KVS key. A lane that was idle starts its next job with up to LANE_ALLOWANCE_CAP units at once, so a small
 * change syncs at full speed; a lane that keeps working is held to its pace (src/sync/call-budget.ts paceStorage),
 * because a job that overspends leaves the next one a debt to wait out. One job of a lane runs at a time (its
 * concurrency key, src/forge/forge-job-queue.ts), so the key has one writer at a time.
 */
import type { ForgeKvs } from '../storage/kvs-port';
import type { StorageAllowance } from './call-budget';

/** Most units a lane saves up while idle: a minute of sustained pace would be too much on top of the others' pace. */
export const LANE_ALLOWANCE_CAP: StorageAllowance = { read: 120, write: 120 };

const KEY_PREFIX = 'pace:';
/** How long a lane's saved allowance is kept: the status page's "last sync" is read from it (lastLaneJobAt). */
const KEPT_SECONDS = 30 * 86_400;

interface SavedAllowance {
  readonly at: number;
  readonly read: number;
  readonly write: number;
}

/** Reads and saves the allowance of each lane. */
export class LanePace {
  constructor(
    private readonly kvs: ForgeKvs,
    private readonly perMinute: StorageAllowance,
    private readonly cap: StorageAllowance = LANE_ALLOWANCE_CAP,
  ) {}

  /** The allowance `lane` has at `now`: what it saved, refilled at its pace since, at most the cap. */
  async take(lane: string, now: number): Promise<StorageAllowance> {
    const saved = await this.kvs.get<SavedAllowance>(`${KEY_PREFIX}${lane}`);
    if (!isSaved(saved)) return this.cap;
    const minutes = Math.max(0, now - saved.at) / 60_000;
    return {
      read: Math.min(this.cap.read, saved.read + minutes * this.perMinute.read),
      write: Math.min(this.cap.write, saved.write + minutes * this.perMinute.write),
    };
  }

  /** Saves what is left of `start` after a job that ran from `startedAt` to `now` and used `used` (may be a debt). */
  async save(
    lane: string,
    startedAt: number,
    start: StorageAllowance,
    used: StorageAllowance,
    now: number,
  ): Promise<void> {
    const minutes = Math.max(0, now - startedAt) / 60_000;
    const left: SavedAllowance = {
      at: now,
      read: Math.min(this.cap.read, start.read + minutes * this.perMinute.read - used.read),
      write: Math.min(this.cap.write, start.write + minutes * this.perMinute.write - used.write),
    };
    await this.kvs.set(`${KEY_PREFIX}${lane}`, left, { ttl: { value: KEPT_SECONDS, unit: 'SECONDS' } });
  }
}

function isSaved(value: unknown): value is SavedAllowance {
  const v = value as Partial<SavedAllowance> | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.at === 'number' &&
    typeof v.read === 'number' &&
    typeof v.write === 'number'
  );
}

/** When the last job of any of `lanes` (lane names as the dispatcher keys them, `lane-<n>`) finished, or undefined. */
export async function lastLaneJobAt(kvs: Pick<ForgeKvs, 'get'>, lanes: readonly string[]): Promise<number | undefined> {
  const saved = await Promise.all(lanes.map((lane) => kvs.get<SavedAllowance>(`${KEY_PREFIX}${lane}`)));
  const times = saved.filter(isSaved).map((allowance) => allowance.at);
  return times.length > 0 ? Math.max(...times) : undefined;
}
