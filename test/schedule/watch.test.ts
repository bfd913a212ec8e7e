import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
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
