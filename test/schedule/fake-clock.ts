import type { Clock } from "../../src/schedule/scheduler.ts";

interface Timer {
  at: number;
  wake: () => void;
}

/** Lets every promise chain that is ready run to its end (microtasks all run before a macrotask). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock that moves only when told, waking its sleepers in time order. */
export class FakeClock implements Clock {
  private timers: Timer[] = [];
  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer: Timer = {
        at: this.time + ms,
        wake: () => {
          this.timers = this.timers.filter((t) => t !== timer);
          signal.removeEventListener("abort", timer.wake);
          resolve();
        },
      };
      this.timers.push(timer);
      signal.addEventListener("abort", timer.wake);
    });
  }

  /** Moves time to `until`, waking each sleeper due by then and letting it run before the next. */
  async advanceTo(until: number): Promise<void> {
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.time = Math.max(this.time, due.at);
      due.wake();
    }
    this.time = until;
    await settle();
  }

  /** The machine slept for `ms`: the wall clock moves on, timers (on a monotonic clock) do not count it. */
  suspend(ms: number): void {
    this.time += ms;
    for (const timer of this.timers) timer.at += ms;
  }

  get sleepers(): number {
    return this.timers.length;
  }
}
