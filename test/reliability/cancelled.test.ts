import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { GOLD_TABLE_NAMES } from "../../src/contract/gold-tables.ts";
import { goldKeys } from "../../src/contract/lake.ts";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import type { LayerState } from "../../src/pipeline/layer-state.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { readBytes, readJson } from "../../src/storage/object-store.ts";
import { baseEnv, recordOfPid } from "../support/cli.ts";
import { compiledElt } from "../support/compiled.ts";
import { buildingVersions } from "../support/serving-versions.ts";

/**
 * Ctrl-C (SIGINT) and SIGTERM sent to the executable while bronze, silver, gold and the export run on
 * about 300k purchases: the run ends within 2 s with 130 or 143, its record says "cancelled"
 * and names the task, and it leaves no lock, no staging folder, no serving staging table, and
 * the published gold exactly as it was. The process is frozen (SIGSTOP) as soon as its record
 * shows the task running and the signal is sent then, so it lands in that task however busy
 * the machine is.
 */

const AS_OF = "2026-06-30";
const GOLD_KEYS = GOLD_TABLE_NAMES.flatMap(goldKeys.table);
const PATIENCE_MS = 120_000;

let elt: string;
let dir: string;
let home: string;
let store: FolderStore;
const children: Subprocess[] = [];

interface Ended {
  code: number;
  out: string;
  err: string;
}

function start(args: string[], env: Record<string, string> = {}) {
  const child = Bun.spawn([elt, ...args], {
    cwd: dir,
    env: baseEnv({ HOME: dir, ELT_HOME: home, ...env }),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  children.push(child);
  const done: Promise<Ended> = Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]).then(
    ([code, out, err]) => ({ code, out, err }),
  );
  return { child, done };
}

const runAll = () => start(["run", "--all", "--force", "--sources", join(dir, "sources"), "--as-of", AS_OF]);
/** The export alone: the gold it loads is the one published before, so that gold stays untouched. */
const runExport = (env: Record<string, string> = {}) => start(["run", "export", "--force"], env);

const digest = (bytes: Uint8Array) => Bun.hash(bytes).toString(16);
async function publishedGold(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of GOLD_KEYS) out[key] = digest(await readBytes(store, "gold", key));
  return out;
}
const goldRun = async () => (await readJson<LayerState>(store, "gold", "_state.json")).run_id;

function serving<T>(read: (db: Database) => T): T {
  const db = new Database(join(home, "serving.sqlite"), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}
/** Tables an export is loading aside, not served yet. */
const stagingTables = () =>
  serving((db) =>
    db
      .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_\\_staging\\_%' ESCAPE '\\'")
      .all()
      .map((r) => r.name),
  );
/** Which export each served collection comes from (its latest write). */
const servedBy = () =>
  serving((db) =>
    Object.fromEntries(
      db.query<{ collection: string; run_id: string }, []>("SELECT collection, run_id FROM _refresh_metadata ORDER BY rowid").all().map((r) => [r.collection, r.run_id]),
    ),
  );

/**
 * Waits until the run's record shows `task` running (and `ready()` holds, when given), freezes
 * the process there and sends `signal`; answers when it was sent.
 */
async function signalDuring(child: Subprocess, task: string, signal: "SIGINT" | "SIGTERM", ready: () => boolean = () => true): Promise<number> {
  const deadline = Date.now() + PATIENCE_MS;
  // Once found, only the run's own record is read: bronze's copy lasts a few tenths of a second.
  let path: string | undefined;
  for (;;) {
    const record = path ? (JSON.parse(readFileSync(path, "utf8")) as RunRecord) : recordOfPid(join(home, "lake", "runs"), child.pid);
    if (record) path = join(home, "lake", "runs", record.id, "run.json");
    if (record?.tasks.find((t) => t.name === task)?.state === "running" && ready()) break;
    if (child.exitCode !== null) throw new Error(`the run ended (code ${child.exitCode}) before ${task} ran`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${task}`);
    await Bun.sleep(1);
  }
  process.kill(child.pid, "SIGSTOP");
  process.kill(child.pid, signal);
  const sent = performance.now();
  process.kill(child.pid, "SIGCONT");
  return sent;
}

beforeAll(async () => {
  elt = await compiledElt();
  dir = await mkdtemp(join(tmpdir(), "elt-cancelled-"));
  home = join(dir, "home");
  store = new FolderStore(join(home, "lake"));
  await generateFiles({ clients: 60_000, avgPurchases: 5, asOf: AS_OF, dirtyRate: 0.02, seed: 3 }, join(dir, "sources"));
}, PATIENCE_MS);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

describe("a run cancelled by a signal", () => {
  let before: Record<string, string>;
  let served: string;
  let exported: Record<string, string>;
  const cancelledIds: string[] = [];

  test("a first run publishes gold and loads the serving store", async () => {
    const { code, err } = await runAll().done;
    expect(err).not.toContain("error");
    expect(code).toBe(0);
    before = await publishedGold();
    served = await goldRun();
    exported = servedBy();
  }, PATIENCE_MS);

  const cases = [
    ["bronze.achats", "SIGINT", 130],
    ["bronze.achats", "SIGTERM", 143],
    ["silver", "SIGINT", 130],
    ["silver", "SIGTERM", 143],
    ["gold", "SIGINT", 130],
    ["gold", "SIGTERM", 143],
    ["export", "SIGINT", 130],
    ["export", "SIGTERM", 143],
  ] as const;

  test.each(cases)("during %s, %s: ends within 2 s with its code and leaves the lake as it was", async (task, signal, exitCode) => {
    // No --wait: the run before this one released the lake's lock.
    const { child, done } = task === "export" ? runExport() : runAll();
    const sent = await signalDuring(child, task, signal);
    const { code, err } = await done;
    const took = performance.now() - sent;
    expect(code).toBe(exitCode);
    expect(took).toBeLessThan(2_000);

    const record = recordOfPid(join(home, "lake", "runs"), child.pid) as RunRecord;
    expect(record.state).toBe("cancelled");
    cancelledIds.push(record.id);
    expect({ cancelled: record.cancelled, tasks: record.tasks.map((t) => `${t.name} ${t.state}`) }).toMatchObject({ cancelled: { reason: signal, task } });
    expect(Date.parse(record.cancelled!.at)).toBeGreaterThan(Date.parse(record.started_at));
    expect(record.tasks.find((t) => t.name === task)?.state).toBe("skipped");
    // One line says what was cancelled and what stays published.
    expect(err.trimEnd().split("\n").at(-1)).toBe(
      `run ${record.id} cancelled (${signal}) in task ${task} after ${((record.duration_ms ?? 0) / 1000).toFixed(2)} s; still published: the gold tables of run ${served}, untouched; the serving store keeps the tables it served`,
    );

    expect(existsSync(join(home, "lake", "runs", "_lock.json"))).toBe(false);
    expect(existsSync(join(home, "tmp")) ? readdirSync(join(home, "tmp")) : []).toEqual([]);
    expect(stagingTables()).toEqual([]);
    expect(await goldRun()).toBe(served);
    expect(await publishedGold()).toEqual(before);
    expect(servedBy()).toEqual(exported);
  }, PATIENCE_MS);

  test("a second Ctrl-C exits at once, without waiting for the run to end cleanly", async () => {
    // The hook holds a cancelled export's clean end for 3 s once its new file is begun (a signal
    // before that ends the run at once), so the process is still there for the second signal,
    // and only that one can end it within 2 s.
    const { child, done } = runExport({ ELT_TEST_EXPORT_PAUSE_MS: "3000" });
    const first = await signalDuring(child, "export", "SIGINT", () => buildingVersions(home).length > 0);
    // Apart: two signals sent while it is frozen would arrive as one.
    await Bun.sleep(100);
    process.kill(child.pid, "SIGINT");
    const { code } = await done;
    expect(code).toBe(130);
    expect(performance.now() - first).toBeLessThan(2_000);
  }, PATIENCE_MS);

  test("elt runs lists them as cancelled, and the next run succeeds without --wait", async () => {
    const listed = JSON.parse((await start(["runs", "--json", "--state", "cancelled"]).done).out) as RunRecord[];
    // Each case's run (the double Ctrl-C one may have ended its record first, or not).
    expect(cancelledIds.every((id) => listed.some((r) => r.id === id))).toBe(true);
    expect(cancelledIds.length).toBe(cases.length);
    const { code } = await runAll().done;
    expect(code).toBe(0);
    expect(await goldRun()).not.toBe(served);
  }, PATIENCE_MS);
});
