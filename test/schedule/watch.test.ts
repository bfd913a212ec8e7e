import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rename, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runOnChanges } from "../../src/schedule/watch.ts";

/**
 * The watch on real files with short waits: a change that cannot run (another process holds
 * the lake: the run answers false) is tried again until it has run, never dropped, and never
 * run twice once it has.
 */

const TIMING = { pollMs: 10, stableMs: 60, retryMs: 150 };
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-watch-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Watches `file`; `refusals` runs in a row answer false (the lake is held), starting with the run at start when `lockedAtStart`. */
function watch(file: string, lockedAtStart: boolean) {
  const controller = new AbortController();
  const attempts: { at: number; ran: boolean }[] = [];
  let refusals = lockedAtStart ? 2 : 0;
  const done = runOnChanges({
    files: [file],
    ...TIMING,
    signal: controller.signal,
    run: async () => {
      const ran = refusals === 0;
      if (!ran) refusals--;
      attempts.push({ at: performance.now(), ran });
      return ran;
    },
    onError: (err) => {
      throw err;
    },
  });
  return {
    attempts,
    refuse: (n: number) => (refusals = n),
    async stop() {
      controller.abort();
      await done;
    },
  };
}

const until = async (ok: () => boolean) => {
  const end = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(10);
  }
};

test("a change that finds the lake held runs once it is free, retried every retryMs, and only once", async () => {
  const file = join(dir, "achats.csv");
  await writeFile(file, "one\n");
  const w = watch(file, false);
  await until(() => w.attempts.length === 1);
  w.refuse(2);
  await writeFile(file, "two\n");
  await until(() => w.attempts.some((a, i) => i > 0 && a.ran));
  // Nothing changed since: no more runs.
  await Bun.sleep(TIMING.stableMs * 4);
  await w.stop();
  expect(w.attempts.map((a) => a.ran)).toEqual([true, false, false, true]);
  for (let i = 2; i < 4; i++) expect(w.attempts[i]!.at - w.attempts[i - 1]!.at).toBeGreaterThanOrEqual(TIMING.retryMs - 5);
});

test("files the run at start could not run are tried again, with no change needed", async () => {
  const file = join(dir, "clients.csv");
  await writeFile(file, "one\n");
  const w = watch(file, true);
  await until(() => w.attempts.some((a) => a.ran));
  await Bun.sleep(TIMING.stableMs * 4);
  await w.stop();
  expect(w.attempts.map((a) => a.ran)).toEqual([false, false, true]);
});

test("where file times are whole seconds, a rewrite to the same size within the second is seen, by its content", async () => {
  // As ext3, HFS+ or FAT would stamp them: both files keep the same whole second throughout,
  // by the clock of a share's server half an hour behind this machine's.
  const second = new Date(Math.floor(Date.now() / 1000) * 1000 - 30 * 60 * 1000);
  const stamp = (file: string) => utimes(file, second, second);
  const watchOne = (file: string, duringFirstRun: () => Promise<void>) => {
    const controller = new AbortController();
    let runs = 0;
    const done = runOnChanges({
      files: [file],
      ...TIMING,
      signal: controller.signal,
      run: async () => {
        if (++runs === 1) await duringFirstRun();
        return true;
      },
      onError: (err) => {
        throw err;
      },
    });
    return { runs: () => runs, stop: () => (controller.abort(), done) };
  };
  const rewritten = join(dir, "rewritten.csv");
  const untouched = join(dir, "untouched.csv");
  for (const file of [rewritten, untouched]) {
    await writeFile(file, "aaaa\n");
    await stamp(file);
  }
  const begun = Date.now();
  const changed = watchOne(rewritten, async () => {
    await writeFile(rewritten, "bbbb\n");
    await stamp(rewritten);
  });
  const same = watchOne(untouched, async () => {});
  await until(() => changed.runs() === 2);
  // Past the two seconds after the runs began, and a few polls more: the file that did not change ran once.
  while (Date.now() < begun + 2000 + TIMING.pollMs * 10) await Bun.sleep(TIMING.pollMs);
  await Promise.all([changed.stop(), same.stop()]);
  expect([changed.runs(), same.runs()]).toEqual([2, 1]);
});

test("a file replaced by a rename, with the same size and time, is a change", async () => {
  const file = join(dir, "renamed.csv");
  const next = join(dir, "renamed.csv.tmp");
  const when = new Date(Date.now() - 60_000);
  await writeFile(file, "aaaa\n");
  await utimes(file, when, when);
  const w = watch(file, false);
  await until(() => w.attempts.length === 1);
  await writeFile(next, "bbbb\n");
  await utimes(next, when, when);
  await rename(next, file);
  await until(() => w.attempts.length === 2);
  await w.stop();
});
