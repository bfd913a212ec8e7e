/** Time as the scheduler sees it; tests pass a fake one. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done);
    }),
};

/**
 * Timers follow a clock that may stop while the machine sleeps, and the wall clock may be set;
 * waking at least once a minute to read the time again keeps a tick at most this late.
 */
const LONGEST_SLEEP_MS = 60_000;

export interface ScheduleOptions {
  /** The first tick strictly after `after` (a cron expression's or an interval's). */
  next: (after: Date) => Date;
  /** One run; it gets the stop signal, so a run in progress can end early. */
  run: (tick: Date, signal: AbortSignal) => Promise<unknown>;
  /** Stops the schedule: no tick fires after it, and the promise settles once a run in progress has. */
  signal: AbortSignal;
  /** Runs once at start too, before the first tick. */
  runAtStart?: boolean;
  clock?: Clock;
  /** The tick the scheduler waits for, told at start and whenever a run ends. */
  onNext?: (tick: Date) => void;
  /**
   * A tick that does not run, and that nothing waits for: "busy", it came while a run was still
   * going; "missed", the first of the ticks that passed while the process was not awake to see
   * them (the machine slept, or the process stalled), told once for them all.
   */
  onSkip?: (tick: Date, why: "busy" | "missed") => void;
  /** A run that failed; the schedule goes on. */
  onError: (err: unknown, tick: Date) => void;
}

/**
 * Fires `run` at each tick, one run at a time, until `signal` aborts. Ticks follow one another
 * from the tick itself, so a run's length never shifts the schedule; a tick that falls due
 * while a run goes on is skipped, never queued. After a gap (the machine slept) the tick due
 * fires, and the schedule goes on from the first tick after now.
 */
export async function runOnSchedule(options: ScheduleOptions): Promise<void> {
  const { next, run, signal, clock = systemClock, onNext, onSkip, onError } = options;
  let running: Promise<void> | undefined;
  let tick = new Date(clock.now());

  const fire = (at: Date) => {
    running = (async () => run(at, signal))()
      .then(
        () => {},
        (err: unknown) => onError(err, at),
      )
      .finally(() => {
        running = undefined;
        if (!signal.aborted) onNext?.(tick);
      });
  };

  if (options.runAtStart && !signal.aborted) fire(tick);
  tick = next(tick);
  if (!running && !signal.aborted) onNext?.(tick);

  while (!signal.aborted) {
    let wait: number;
    while ((wait = tick.getTime() - clock.now()) > 0 && !signal.aborted) {
      await clock.sleep(Math.min(wait, LONGEST_SLEEP_MS), signal);
    }
    if (signal.aborted) break;
    const due = tick;
    tick = next(due);
    if (running) onSkip?.(due, "busy");
    else fire(due);
    const now = clock.now();
    if (tick.getTime() <= now) {
      // Woken past more than one tick: the ones missed are one gap, not a backlog to work
      // through (after a night asleep, an --every 1s schedule would otherwise skip 30 000 times).
      onSkip?.(tick, "missed");
      tick = next(new Date(now));
    }
  }
  await running;
}
