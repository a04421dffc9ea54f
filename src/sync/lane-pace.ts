/**
 * A lane's storage allowance, carried from one job to the next: a token bucket per lane (and one for drains), kept in
 * a plain KVS key. A lane that was idle starts its next job with up to LANE_ALLOWANCE_CAP units at once, so a small
 * change syncs at full speed; a lane that keeps working is held to its pace (src/sync/call-budget.ts paceStorage),
 * because a job that overspends leaves the next one a debt to wait out. One job of a lane runs at a time (its
 * concurrency key, src/forge/forge-job-queue.ts), so the key has one writer at a time.
 *
 * A job that started with a full allowance and ends with one leaves the lane as it found it: the saved allowance
 * refills to the cap by the job's start, so it gives every later job the cap as the new one would, and the job writes
 * nothing unless the saved time is older than FINISH_REFRESH_MS. Small jobs (a drain's follow-up of a few entries)
 * are most of a lane's jobs when the remote API is slow, and each wrote its allowance (bench:forge --slow).
 */
import type { ForgeKvs } from '../storage/kvs-port';
import type { StorageAllowance } from './call-budget';

/** Most units a lane saves up while idle: a minute of sustained pace would be too much on top of the others' pace. */
export const LANE_ALLOWANCE_CAP: StorageAllowance = { read: 120, write: 120 };

const KEY_PREFIX = 'pace:';
/** How long a lane's saved allowance is kept: the status page's "last sync" is read from it (lastLaneJobAt). */
const KEPT_SECONDS = 30 * 86_400;
/** How old a lane's saved finish time may grow while its jobs end at the cap and write nothing (lastLaneJobAt lags). */
export const FINISH_REFRESH_MS = 60_000;

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

  /** When each lane's allowance this instance took was saved. */
  private readonly savedAt = new Map<string, number>();

  /** The allowance `lane` has at `now`: what it saved, refilled at its pace since, at most the cap. */
  async take(lane: string, now: number): Promise<StorageAllowance> {
    const saved = await this.kvs.get<SavedAllowance>(`${KEY_PREFIX}${lane}`);
    if (!isSaved(saved)) return this.cap;
    this.savedAt.set(lane, saved.at);
    const minutes = Math.max(0, now - saved.at) / 60_000;
    return {
      read: Math.min(this.cap.read, saved.read + minutes * this.perMinute.read),
      write: Math.min(this.cap.write, saved.write + minutes * this.perMinute.write),
    };
  }

  /**
   * Saves what is left of `start` (what take gave) after a job that ran from `startedAt` to `now` and used `used` (may
   * be a debt); writes nothing when the job left a full allowance full and the saved time is recent (the class's doc).
   */
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
    const savedAt = this.savedAt.get(lane);
    if (this.isFull(start) && this.isFull(left) && savedAt !== undefined && now - savedAt < FINISH_REFRESH_MS) return;
    await this.kvs.set(`${KEY_PREFIX}${lane}`, left, { ttl: { value: KEPT_SECONDS, unit: 'SECONDS' } });
  }

  private isFull(allowance: StorageAllowance): boolean {
    return allowance.read >= this.cap.read && allowance.write >= this.cap.write;
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

/**
 * When the last job of any of `lanes` (lane names as the dispatcher keys them, `lane-<n>`) finished, or undefined; up
 * to FINISH_REFRESH_MS early.
 */
export async function lastLaneJobAt(kvs: Pick<ForgeKvs, 'get'>, lanes: readonly string[]): Promise<number | undefined> {
  const saved = await Promise.all(lanes.map((lane) => kvs.get<SavedAllowance>(`${KEY_PREFIX}${lane}`)));
  const times = saved.filter(isSaved).map((allowance) => allowance.at);
  return times.length > 0 ? Math.max(...times) : undefined;
}
