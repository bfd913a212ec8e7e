import type { ScheduleStatus } from "../api/schedule.ts";
import type { Config } from "../config/environment.ts";
import { LockHeld } from "../runner/lock.ts";
import type { RunRecord } from "../runner/record.ts";
import { saveSkippedRun } from "../runner/run-store.ts";
import type { Schedule } from "../schedule/schedule.ts";
import { runOnSchedule } from "../schedule/scheduler.ts";
import { runOnChanges } from "../schedule/watch.ts";
import { openObjectStore } from "../storage/open.ts";

export interface RepeatedRuns {
  /** A schedule's ticks, or the changes of the files watched. */
  when: Schedule | { watch: readonly string[] };
  /**
   * One normal run (its record, logs, checks, lock and alert), told what started it; null when
   * cancelled before it began. It must not wait for the lake's lock: LockHeld skips the tick.
   */
  run(trigger: string, signal: AbortSignal): Promise<RunRecord | null>;
  config: Config;
  /** The flow and parameters a skipped tick's record names. */
  flow: string;
  parameters: Record<string, unknown>;
  /** Stops the runs: a run in progress is cancelled, and the promise settles once it has ended. */
  signal: AbortSignal;
  /** Kept up to date as ticks come and runs end. */
  status: ScheduleStatus;
  onNext?(tick: Date): void;
  onWatching?(): void;
  onSkipped?(record: RunRecord): void;
  /** A run that could not start or end; the runs go on. */
  onError(err: unknown): void;
}

const clock = (date: Date) => date.toISOString().slice(11, 19);

/** Runs at each tick of a schedule, or on each change of the files watched, one run at a time, until stopped. */
export async function repeatRuns(o: RepeatedRuns): Promise<void> {
  const store = await openObjectStore(o.config);
  const { when, status } = o;
  const trigger = "watch" in when ? "watch" : `schedule ${when.expression}`;
  let going: Date | null = null;
  // A skip is recorded while the schedule goes on; the store closes only once every one is written.
  const writes = new Set<Promise<void>>();
  const skip = (at: Date, reason: string) => {
    const write = saveSkippedRun(store, { flow: o.flow, parameters: o.parameters, trigger, at, reason }).then(
      (record) => o.onSkipped?.(record),
      (err) => o.onError(err),
    );
    writes.add(write);
    void write.finally(() => writes.delete(write));
  };
  /** A change the watch could not run yet is recorded skipped once, not at every try. */
  let waiting = false;
  /** Whether the run took place: false when another process held the lake's lock. */
  const one = async (tick: Date, signal: AbortSignal): Promise<boolean> => {
    going = tick;
    try {
      const record = await o.run(trigger, signal);
      if (record) status.last_run_id = record.id;
      waiting = false;
      return true;
    } catch (err) {
      if (!(err instanceof LockHeld)) throw err;
      if (!waiting) skip(tick, `another process holds the lake's lock: ${err.holder}${"watch" in when ? "; the change runs once it is free" : ""}`);
      waiting = "watch" in when;
      return false;
    } finally {
      going = null;
    }
  };
  try {
    if ("watch" in when) {
      await runOnChanges({ files: when.watch, run: (signal) => one(new Date(), signal), signal: o.signal, onWatching: o.onWatching, onError: o.onError });
    } else {
      await runOnSchedule({
        next: (after) => when.next(after),
        runAtStart: when.runAtStart,
        run: (tick, signal) => {
          // The tick after this one is what the schedule waits for next, while this run goes on.
          status.next_run = when.next(tick).toISOString();
          return one(tick, signal);
        },
        signal: o.signal,
        onNext: (tick) => {
          status.next_run = tick.toISOString();
          o.onNext?.(tick);
        },
        onSkip: (tick, why) =>
          skip(
            tick,
            why === "busy"
              ? `the run of the tick at ${clock(going ?? tick)} UTC was still going`
              : `the ticks from ${clock(tick)} UTC to ${clock(new Date())} UTC were missed: the process was asleep or stalled`,
          ),
        onError: o.onError,
      });
    }
  } finally {
    await Promise.all(writes);
    await store.close?.();
  }
}
