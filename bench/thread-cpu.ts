import { readFileSync, readdirSync } from "node:fs";

/**
 * A child's CPU time by thread name, read from Linux's /proc while it runs: how much of a
 * stage's CPU went to JavaScriptCore's compiler threads (`JITWorker`) rather than to elt's own
 * threads (the main one, `Worker`s). On a two-core machine that share decides what moving work
 * between threads can gain. Each thread's last reading before it ended is kept, so what a
 * thread spent after the last poll is missed: the figures are lower bounds, by at most one
 * interval per thread.
 */

/** Often enough to catch a worker's last tens of milliseconds; rarely enough not to weigh on a 2-core run. */
const POLL_MS = 50;

/** Linux's USER_HZ, the unit of /proc's utime and stime, on every architecture elt is built for. */
const TICK_MS = 10;

export class ThreadCpu {
  readonly #last = new Map<string, { name: string; ticks: number }>();
  readonly #timer: ReturnType<typeof setInterval>;

  /** Starts polling; undefined where there is no /proc (not Linux) or the process is gone. */
  static of(pid: number): ThreadCpu | undefined {
    const threads = new ThreadCpu(pid);
    if (threads.#last.size > 0) return threads;
    threads.stop();
    return undefined;
  }

  private constructor(private readonly pid: number) {
    this.#poll();
    this.#timer = setInterval(() => this.#poll(), POLL_MS);
    // A bench that fails while it polls must still be able to exit.
    this.#timer.unref();
  }

  /** Stops polling: milliseconds of CPU (user + system) by thread name, summed over the threads of each name. */
  stop(): Record<string, number> {
    clearInterval(this.#timer);
    const byName: Record<string, number> = {};
    for (const { name, ticks } of this.#last.values()) byName[name] = (byName[name] ?? 0) + ticks * TICK_MS;
    return byName;
  }

  #poll(): void {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${this.pid}/task`);
    } catch {
      return; // ended
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${this.pid}/task/${tid}/stat`, "latin1");
        // The name is in parentheses and may hold spaces; utime and stime are fields 14 and 15.
        const close = stat.lastIndexOf(")");
        const fields = stat.slice(close + 2).split(" ");
        const name = stat.slice(stat.indexOf("(") + 1, close);
        this.#last.set(tid, { name, ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // Unreadable (the thread ended between the listing and the read): its last reading stands.
      }
    }
  }
}
