import { VIRTUAL_EPOCH, VirtualClock, systemClock } from '../../emulators/virtual-clock';

describe('VirtualClock', () => {
  it('starts at a fixed epoch and moves only when advanced', async () => {
    const clock = new VirtualClock();
    expect(clock.now()).toBe(VIRTUAL_EPOCH);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(clock.now()).toBe(VIRTUAL_EPOCH);
    await clock.advance(1_500);
    expect(clock.now()).toBe(VIRTUAL_EPOCH + 1_500);
  });

  it('wakes sleepers in deadline order, each at its own deadline', async () => {
    const clock = new VirtualClock({ start: 0 });
    const woke: Array<[string, number]> = [];
    void clock.sleep(300).then(() => woke.push(['c', clock.now()]));
    void clock.sleep(100).then(() => woke.push(['a', clock.now()]));
    void clock.sleep(200).then(() => woke.push(['b', clock.now()]));
    await clock.advance(150);
    expect(woke).toEqual([['a', 100]]);
    await clock.advance(1_000);
    expect(woke).toEqual([
      ['a', 100],
      ['b', 200],
      ['c', 300],
    ]);
    expect(clock.now()).toBe(1_150);
  });

  it('lets a woken sleeper schedule the next sleep within the same advance', async () => {
    const clock = new VirtualClock({ start: 0 });
    const ticks: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(60_000);
        ticks.push(clock.now());
      }
    })();
    await clock.advance(3 * 60_000);
    expect(ticks).toEqual([60_000, 120_000, 180_000]);
  });

  it('runs hours of waiting in auto-advance mode without anyone advancing it', async () => {
    const clock = new VirtualClock({ start: 0, autoAdvance: true });
    const started = Date.now();
    await clock.sleep(3 * 3_600_000);
    expect(clock.now()).toBe(3 * 3_600_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('refuses to go backwards and resolves non-positive sleeps at once', async () => {
    const clock = new VirtualClock();
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    await clock.sleep(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('systemClock', () => {
  it('follows wall time', async () => {
    const before = systemClock.now();
    await systemClock.sleep(5);
    expect(systemClock.now()).toBeGreaterThanOrEqual(before + 4);
  });
});
