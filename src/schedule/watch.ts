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
 * File systems that keep modification times to the second (ext3, HFS+, FAT to two, many
 * network shares) give a file rewritten to the same size within its second the fingerprint
 * it had: the change would be missed. As git does for its index, such a file ("racy") has its
 * content hashed when a run starts, and again COARSE_MS later by this machine's clock; a
 * different hash is a change. Whatever the file system's clock reads (a share stamps with its
 * server's), the second a file was stamped in is over COARSE_MS after the file was seen with
 * it, so a rewrite that kept it was made by then. Finer times (a fraction of a second in them)
 * need none of it, nor do files stamped over SKEW_MS away from now (no clock is that far off).
 */
const COARSE_MS = 2000;
const SKEW_MS = 60 * 60 * 1000;

/** The hash of a file's content (the same whatever chunks it is read in), or undefined when it cannot be read. */
async function contentHash(file: string): Promise<string | undefined> {
  try {
    const hasher = new Bun.CryptoHasher("sha1");
    for await (const chunk of Bun.file(file).stream()) hasher.update(chunk);
    return hasher.digest("hex");
  } catch {
    return undefined;
  }
}

/** A racy file: its content's hash when the run started, compared again once `until` (this machine's clock) has passed. */
interface Racy {
  file: string;
  until: number;
  hash: string | undefined;
}

async function racyFiles(files: readonly string[]): Promise<Racy[]> {
  const now = Date.now();
  const racy: Racy[] = [];
  for (const file of files) {
    const mtimeMs = await stat(file).then((s) => s.mtimeMs, () => undefined);
    if (mtimeMs === undefined || mtimeMs % 1000 !== 0 || Math.abs(now - mtimeMs) > SKEW_MS) continue;
    racy.push({ file, until: now + COARSE_MS, hash: await contentHash(file) });
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
