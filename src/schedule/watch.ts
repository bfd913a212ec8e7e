import { stat } from "node:fs/promises";
import { systemClock, type Clock } from "./scheduler.ts";

/**
 * Runs when files change: each file is looked at (size, modification time, inode) every
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

/** What a file looks like between two polls: its size, modification time and inode (a rename over it), or that it is missing. */
async function fingerprint(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return "missing";
  }
}

/**
 * How long a modification time kept to the second may still be current: two seconds, FAT's
 * step. File systems that keep whole seconds (ext3, HFS+, FAT, many network shares) give a
 * file rewritten to the same size within its second the fingerprint it had: the change would
 * be missed. As git does for its index, such a file looked at within its second ("racy") has
 * its content hashed when a run starts, and again once the second is over; a different hash
 * is a change. Finer times (a fraction of a second in them) need none of it.
 */
const COARSE_MS = 2000;

/** The hash of a file's content, read in chunks, or undefined when it cannot be read. */
async function contentHash(file: string): Promise<bigint | number | undefined> {
  try {
    let hash: bigint | number = 0;
    for await (const chunk of Bun.file(file).stream()) hash = Bun.hash(chunk, hash);
    return hash;
  } catch {
    return undefined;
  }
}

/** A racy file: when its second is over, and its content's hash when the run started. */
interface Racy {
  file: string;
  until: number;
  hash: bigint | number | undefined;
}

async function racyFiles(files: readonly string[]): Promise<Racy[]> {
  const racy: Racy[] = [];
  for (const file of files) {
    const mtimeMs = await stat(file).then((s) => s.mtimeMs, () => undefined);
    if (mtimeMs === undefined || mtimeMs % 1000 !== 0 || Date.now() >= mtimeMs + COARSE_MS) continue;
    racy.push({ file, until: mtimeMs + COARSE_MS, hash: await contentHash(file) });
  }
  return racy;
}

/** Runs once at start (the files as they are may never have been run), then after each settled change. */
export async function runOnChanges(options: WatchOptions): Promise<void> {
  const { files, run, signal, pollMs = 250, stableMs = 1000, retryMs = 2000, clock = systemClock, onWatching, onError } = options;
  const look = async () => (await Promise.all(files.map(fingerprint))).join("|");
  /** Files the last run started from that may change unseen; compared by content once their second is over. */
  let racy: Racy[] = [];
  /** Whether the run took place (a run that failed did: its record says how). */
  const runOnce = async () => {
    racy = await racyFiles(files);
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
    } else if (now === ran && racy.some((r) => Date.now() >= r.until)) {
      // File times are the system's wall clock, not the schedule's.
      const over = racy.filter((r) => Date.now() >= r.until);
      racy = racy.filter((r) => Date.now() < r.until);
      for (const r of over) if ((await contentHash(r.file)) !== r.hash) ran = "";
    }
  }
}
