import { stat } from "node:fs/promises";
import { systemClock, type Clock } from "./scheduler.ts";

/**
 * Runs when files change: each file is looked at (size and modification time) every
 * `pollMs`, and a change starts a run only once every file has stayed the same for
 * `stableMs`, so a file still being written is never read half-way. Polling, not fs.watch:
 * it sees a file replaced by a rename, and works the same on every file system.
 */

export interface WatchOptions {
  files: readonly string[];
  /**
   * One run; it gets the stop signal, so a run in progress can end early. It answers false
   * when it could not run (another process holds the lake): the change is tried again every
   * `retryMs` until it has run.
   */
  run: (signal: AbortSignal) => Promise<boolean>;
  /** Stops watching; the promise settles once a run in progress has. */
  signal: AbortSignal;
  pollMs?: number;
  stableMs?: number;
  retryMs?: number;
  clock?: Clock;
  /** Told once a run has ended (and at start): the files are watched for the next change. */
  onWatching?: () => void;
  /** A run that failed; watching goes on. */
  onError: (err: unknown) => void;
}

/** What a file looks like between two polls: its size and modification time, or that it is missing. */
async function fingerprint(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return "missing";
  }
}

/** Runs once at start (the files as they are may never have been run), then after each settled change. */
export async function runOnChanges(options: WatchOptions): Promise<void> {
  const { files, run, signal, pollMs = 250, stableMs = 1000, retryMs = 2000, clock = systemClock, onWatching, onError } = options;
  const look = async () => (await Promise.all(files.map(fingerprint))).join("|");
  /** Whether the run took place (a run that failed did: its record says how). */
  const runOnce = async () => {
    const ran = await (async () => run(signal))().then(
      (done) => done,
      (err: unknown) => {
        onError(err);
        return true;
      },
    );
    if (ran && !signal.aborted) onWatching?.();
    return ran;
  };

  // What the last run started from: a change during a run differs from it, so one more run follows.
  let ran = await look();
  if (signal.aborted) return;
  /** A change that could not run waits for this moment to be tried again. */
  let retryAt = 0;
  if (!(await runOnce())) {
    // The files as they were at start are still to run: as a change would be.
    ran = "";
    retryAt = clock.now() + retryMs;
  }
  let seen = await look();
  let since = clock.now();
  while (!signal.aborted) {
    await clock.sleep(pollMs, signal);
    if (signal.aborted) break;
    const now = await look();
    if (now !== seen) {
      seen = now;
      since = clock.now();
    } else if (now !== ran && clock.now() - since >= stableMs && clock.now() >= retryAt) {
      if (await runOnce()) ran = now;
      else retryAt = clock.now() + retryMs;
    }
  }
}
