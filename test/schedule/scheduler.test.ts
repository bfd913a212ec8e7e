import { expect, test } from "bun:test";
import { nextAfter } from "../../src/schedule/cron.ts";
import { everyInterval } from "../../src/schedule/interval.ts";
import { runOnSchedule, systemClock, type ScheduleOptions } from "../../src/schedule/scheduler.ts";
import { FakeClock, settle } from "./fake-clock.ts";

const T0 = Date.UTC(2026, 4, 1, 10, 0, 0);
/** Seconds since T0: the tests speak in those. */
const s = (date: Date) => (date.getTime() - T0) / 1000;
const at = (seconds: number) => T0 + seconds * 1000;

/** A schedule on a fake clock whose runs each last `runSeconds` (or until stopped), with everything it reports. */
function start(options: Partial<ScheduleOptions> & { runSeconds?: number } = {}) {
  const clock = new FakeClock(T0);
  const controller = new AbortController();
  const seen = { runs: [] as number[], skips: [] as number[], nexts: [] as number[], errors: [] as string[], busy: 0, mostBusy: 0 };
  const { runSeconds = 2, ...rest } = options;
  let settled = false;
  const done = runOnSchedule({
    next: everyInterval(10_000),
    run: async (tick, signal) => {
      seen.runs.push(s(tick));
      seen.mostBusy = Math.max(seen.mostBusy, ++seen.busy);
      try {
        await clock.sleep(runSeconds * 1000, signal);
      } finally {
        seen.busy--;
      }
    },
    signal: controller.signal,
    clock,
    onNext: (tick) => seen.nexts.push(s(tick)),
    onSkip: (tick) => seen.skips.push(s(tick)),
    onError: (err, tick) => seen.errors.push(`${s(tick)}: ${(err as Error).message}`),
    ...rest,
  }).then(() => {
    settled = true;
  });
  return { clock, controller, seen, done, settled: () => settled };
}

test("fires at each tick with the tick's time, and tells the next tick at start and after each run", async () => {
  const { clock, seen } = start();
  await clock.advanceTo(at(35));
  expect(seen.runs).toEqual([10, 20, 30]);
  expect(seen.nexts).toEqual([10, 20, 30, 40]);
  expect(seen.skips).toEqual([]);
  expect(seen.errors).toEqual([]);
});

test("a tick that falls due while a run goes on is skipped, not queued: one run at a time", async () => {
  const { clock, seen } = start({ runSeconds: 25 });
  await clock.advanceTo(at(45));
  expect(seen.runs).toEqual([10, 40]);
  expect(seen.skips).toEqual([20, 30]);
  // The run of 10 ended at 35: the next tick then was 40.
  expect(seen.nexts).toEqual([10, 40]);
  await clock.advanceTo(at(75));
  expect(seen.runs).toEqual([10, 40, 70]);
  expect(seen.skips).toEqual([20, 30, 50, 60]);
  expect(seen.mostBusy).toBe(1);
});

test("a stop reaches the run in progress, and the schedule ends once that run has", async () => {
  const clock = new FakeClock(T0);
  const controller = new AbortController();
  const runs: number[] = [];
  let sawStop = false;
  let ended = false;
  const done = runOnSchedule({
    next: everyInterval(10_000),
    run: async (tick, signal) => {
      runs.push(s(tick));
      await clock.sleep(3_600_000, signal);
      sawStop = signal.aborted;
      // Winding down takes a second, on a timer the stop does not cut short.
      await clock.sleep(1000, new AbortController().signal);
    },
    signal: controller.signal,
    clock,
    onError: () => {},
  }).then(() => {
    ended = true;
  });
  await clock.advanceTo(at(12));
  controller.abort();
  await settle();
  expect(sawStop).toBe(true);
  expect(ended).toBe(false);
  await clock.advanceTo(at(13));
  expect(ended).toBe(true);
  await clock.advanceTo(at(100));
  await done;
  expect(runs).toEqual([10]);
  expect(clock.sleepers).toBe(0);
});

test("a stop while waiting ends the schedule at once, without a run", async () => {
  const { clock, controller, seen, settled } = start();
  await clock.advanceTo(at(5));
  controller.abort();
  await settle();
  expect(settled()).toBe(true);
  expect(clock.sleepers).toBe(0);
  await clock.advanceTo(at(60));
  expect(seen.runs).toEqual([]);
});

test("a stop before the start runs nothing, even with runAtStart", async () => {
  const clock = new FakeClock(T0);
  let runs = 0;
  await runOnSchedule({
    next: everyInterval(10_000),
    run: async () => runs++,
    signal: AbortSignal.abort(),
    runAtStart: true,
    clock,
    onError: () => {},
  });
  expect(runs).toBe(0);
  expect(clock.sleepers).toBe(0);
});

test("a failed run is reported with its tick and the schedule goes on", async () => {
  const clock = new FakeClock(T0);
  const errors: string[] = [];
  const runs: number[] = [];
  void runOnSchedule({
    next: everyInterval(10_000),
    run: async (tick) => {
      runs.push(s(tick));
      if (runs.length === 1) throw new Error("silver: cannot reach S3 endpoint");
    },
    signal: new AbortController().signal,
    clock,
    onError: (err, tick) => errors.push(`${s(tick)}: ${(err as Error).message}`),
  });
  await clock.advanceTo(at(25));
  expect(runs).toEqual([10, 20]);
  expect(errors).toEqual(["10: silver: cannot reach S3 endpoint"]);
});

test("runAtStart runs at once, then at each tick", async () => {
  const { clock, seen } = start({ runAtStart: true });
  await clock.advanceTo(at(25));
  expect(seen.runs).toEqual([0, 10, 20]);
  // Nothing waits while the first run goes on: the first next tick is told when it ends.
  expect(seen.nexts).toEqual([10, 20, 30]);
});

test("with a cron expression, the ticks are the expression's", async () => {
  const { clock, seen } = start({ next: (after) => nextAfter("*/15 * * * *", after), runSeconds: 60 });
  await clock.advanceTo(at(3600));
  expect(seen.runs).toEqual([900, 1800, 2700, 3600]);
});

test("after the machine sleeps, a tick already due fires within a minute; the ones missed meanwhile are skipped", async () => {
  const { clock, seen } = start({ next: (after) => nextAfter("0 * * * *", after) });
  await clock.advanceTo(at(1800));
  clock.suspend(7200_000);
  await clock.advanceTo(at(9000 + 60));
  expect(seen.runs).toEqual([3600]);
  expect(seen.skips).toEqual([7200]);
  await clock.advanceTo(at(10800));
  expect(seen.runs).toEqual([3600, 10800]);
});

test("after a long sleep the schedule jumps to the first tick after now: one run for the gap, one skip, not one per missed tick", async () => {
  let asked = 0;
  const every = everyInterval(1000);
  const skipped: [number, string][] = [];
  const { clock, seen } = start({
    next: (after) => {
      asked++;
      return every(after);
    },
    runSeconds: 0.2,
    onSkip: (tick, why) => skipped.push([s(tick), why]),
  });
  await clock.advanceTo(at(3.5));
  expect(seen.runs).toEqual([1, 2, 3]);
  const askedBefore = asked;
  // Eight hours asleep, then awake: the tick due (4) fires once, the 28 800 after it are one gap.
  clock.suspend(8 * 3600_000);
  await clock.advanceTo(at(8 * 3600 + 4));
  expect(seen.runs).toEqual([1, 2, 3, 4]);
  expect(skipped).toEqual([[5, "missed"]]);
  expect(asked - askedBefore).toBeLessThan(5);
  // From now on, the rhythm again: a tick each second after the wake.
  await clock.advanceTo(at(8 * 3600 + 6.5));
  expect(seen.runs.slice(4).map((t) => t - 8 * 3600)).toEqual([5, 6]);
  expect(skipped).toHaveLength(1);
});

test("the system clock sleeps for the time asked, and wakes at once on a stop", async () => {
  const began = performance.now();
  await systemClock.sleep(50, new AbortController().signal);
  expect(performance.now() - began).toBeGreaterThanOrEqual(45);

  const controller = new AbortController();
  const sleeping = systemClock.sleep(60_000, controller.signal);
  const stoppedAt = performance.now();
  controller.abort();
  await sleeping;
  expect(performance.now() - stoppedAt).toBeLessThan(1000);
  await systemClock.sleep(60_000, controller.signal);
  expect(performance.now() - stoppedAt).toBeLessThan(1000);
});
