import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { parquetMetadata } from "hyparquet";
import { CsvByteParser } from "../../src/formats/csv-reader.ts";
import { readParquetColumns } from "../../src/formats/parquet.ts";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import { goldKeys } from "../../src/contract/lake.ts";
import { GOLD_TABLES, GOLD_TABLE_NAMES, type GoldTableName } from "../../src/contract/gold-tables.ts";
import type { LayerState } from "../../src/pipeline/layer-state.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { baseEnv, recordOfPid, spawnElt, type Running } from "../support/cli.ts";
import { buildingVersions } from "../support/serving-versions.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { readBytes, readJson } from "../../src/storage/object-store.ts";

/**
 * `elt run --all` is SIGKILLed while gold writes its version, while gold copies it over the
 * latest keys, and while the serving store is loaded; a reader in this process reads every
 * gold table and serving table all along. Once gold starts, the process is frozen (SIGSTOP)
 * and let run in half-millisecond slices until the lake shows the moment, so the kill lands
 * there however slow or busy the machine is.
 */

const AS_OF = "2026-06-30";
const GOLD_KEYS = GOLD_TABLE_NAMES.flatMap(goldKeys.table);
const SLICE_MS = 0.5;
const PATIENCE_MS = 60_000;

let dir: string;
let home: string;
let lake: string;
let store: FolderStore;
let reader: Reader | undefined;
const children: Subprocess[] = [];
const sources = (name: string) => join(dir, name);

function elt(args: string[], env: Record<string, string> = {}): Running {
  const running = spawnElt(args, { cwd: dir, env: baseEnv({ HOME: dir, ELT_HOME: home, ...env }) });
  children.push(running.child);
  return running;
}

const runAll = (from: string, env: Record<string, string> = {}) => elt(["run", "--all", "--sources", sources(from), "--as-of", AS_OF], env);

async function listRuns(): Promise<RunRecord[]> {
  const { code, out, err } = await elt(["runs", "--json"]).done;
  expect(err).toBe("");
  expect(code).toBe(0);
  return JSON.parse(out) as RunRecord[];
}

/** The run record a process wrote, read straight from the lake's folder. */
const recordOf = (pid: number) => recordOfPid(join(lake, "runs"), pid);

/** Objects a run has finished writing under gold/_versions/<run>/ (temp files start with a dot). */
function versionsWritten(runId: string): number {
  const folder = join(lake, "gold", "_versions", runId);
  return existsSync(folder) ? readdirSync(folder).filter((n) => !n.startsWith(".")).length : 0;
}

async function waitFor<T>(child: Subprocess, what: string, probe: () => T | null | undefined | false): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const found = probe();
    if (found) return found;
    if (child.exitCode !== null) throw new Error(`the run ended (code ${child.exitCode}) before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

/**
 * Waits for the run's gold task to start, then freezes the process and lets it run in slices
 * until `reached(record)` holds, and kills it.
 */
async function killWhen(child: Subprocess, what: string, reached: (record: RunRecord) => boolean): Promise<RunRecord> {
  // Begun, whether still running or already done (a gold with nothing to build is skipped at once).
  const record = await waitFor(child, "the gold task", () => {
    const r = recordOf(child.pid);
    return r?.tasks.find((t) => t.name === "gold")?.started_at !== undefined && r;
  });
  const deadline = Date.now() + PATIENCE_MS;
  process.kill(child.pid, "SIGSTOP");
  try {
    while (!reached(record)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      process.kill(child.pid, "SIGCONT");
      const until = performance.now() + SLICE_MS;
      while (performance.now() < until) {
        // busy: a timer would hand the process whole milliseconds
      }
      process.kill(child.pid, "SIGSTOP");
      if (child.exitCode !== null) throw new Error(`the run ended before ${what}`);
    }
  } finally {
    // Killed whatever happened: a frozen run would hold the lake's lock for the tests after it.
    process.kill(child.pid, "SIGKILL");
    // Reaped before anyone asks whether it lives: a zombie still answers kill(pid, 0).
    await child.exited;
  }
  return record;
}

const goldState = () => readJson<LayerState>(store, "gold", "_state.json");
const rowsOf = (state: LayerState) => (state.summary as { rows: Record<GoldTableName, number> }).rows;
const digest = (bytes: Uint8Array) => Bun.hash(bytes).toString(16);
const versionDigest = async (runId: string, key: string) => digest(await readBytes(store, "gold", `_versions/${runId}/${key}`));
const latestDigest = async (key: string) => digest(await readBytes(store, "gold", key));

/**
 * Reads the serving store on a connection of its own, as a reader wanting the latest export
 * opens one: a connection kept open keeps the file it opened (an export swaps in a new one).
 */
function served<T>(read: (db: Database) => T): T {
  const db = new Database(join(home, "serving.sqlite"), { readonly: true });
  try {
    // As the serving store's own readers do, rather than fail at once on a passing lock.
    db.run("PRAGMA busy_timeout = 2000");
    return read(db);
  } finally {
    db.close();
  }
}

function servingCounts(): Record<string, number> {
  return served((db) =>
    db.transaction(() => {
      const out: Record<string, number> = {};
      for (const table of GOLD_TABLE_NAMES) out[table] = db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM gold_${table}`).get()!.n;
      return out;
    })(),
  );
}

/** Each collection's latest write: one row per write, in the order written. */
function servedBy(): Record<string, string> {
  const rows = served((db) => db.query<{ collection: string; run_id: string }, []>("SELECT collection, run_id FROM _refresh_metadata ORDER BY rowid").all());
  return Object.fromEntries(rows.map((r) => [r.collection, r.run_id]));
}

/** Files an export is writing the next version of the serving store into, not served yet. */
const exportsUnderWay = () => buildingVersions(home).length;

/**
 * Reads every latest gold object and counts every serving table, over and over. Objects are
 * only fingerprinted here, to stay quick; at the end each fingerprint must be that of a whole
 * stored version, and those versions are parsed.
 */
class Reader {
  readonly objects = new Map<string, Set<string>>(GOLD_KEYS.map((k) => [k, new Set()]));
  readonly served = new Map<string, Set<number>>(GOLD_TABLE_NAMES.map((t) => [t, new Set()]));
  readonly problems: string[] = [];
  passes = 0;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor() {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      for (const key of GOLD_KEYS) {
        try {
          const bytes = await readBytes(store, "gold", key);
          if (key.endsWith(".csv") && bytes[bytes.length - 1] !== 0x0a) this.problems.push(`${key} does not end with a newline`);
          this.objects.get(key)!.add(digest(bytes));
        } catch (err) {
          this.problems.push(`${key}: ${(err as Error).message}`);
        }
      }
      try {
        for (const [table, n] of Object.entries(servingCounts())) this.served.get(table)!.add(n);
      } catch (err) {
        this.problems.push(`serving store: ${(err as Error).message}`);
      }
      this.passes++;
      await Bun.sleep(5);
    }
  }
}

/** Rows of a whole stored version, parsed to the end; a Parquet file must also agree with its footer. */
async function versionRows(runId: string, key: string): Promise<number> {
  const bytes = await readBytes(store, "gold", `_versions/${runId}/${key}`);
  const table = key.slice(0, key.lastIndexOf(".")) as GoldTableName;
  if (key.endsWith(".parquet")) {
    let rows = 0;
    for await (const batch of readParquetColumns(bytes, GOLD_TABLES[table].columns)) rows += batch.rowCount;
    const footer = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(Number(footer.num_rows)).toBe(rows);
    return rows;
  }
  const parser = new CsvByteParser({ file: key });
  const head = parser.push(bytes);
  expect(head.fields(0)).toEqual(GOLD_TABLES[table].columns.map((c) => c.name));
  const headCount = head.count;
  return headCount + parser.end().count - 1;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-killed-"));
  home = join(dir, "home");
  lake = join(home, "lake");
  store = new FolderStore(lake);
  const base = { clients: 8_000, avgPurchases: 5, asOf: AS_OF, dirtyRate: 0.02 };
  await generateFiles({ ...base, seed: 1 }, sources("old"));
  await generateFiles({ ...base, seed: 2 }, sources("new"));
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await reader?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("a run killed mid-publish", () => {
  let oldRun: string;
  let oldRows: Record<GoldTableName, number>;
  let newGoldRun: string;
  const killed: string[] = [];

  async function expectIncompleteAndLocked(record: RunRecord) {
    const listed = (await listRuns()).find((r) => r.id === record.id);
    expect(listed?.state).toBe("incomplete");
    // Its lock stays behind, naming a process that no longer exists.
    expect((await readJson<{ pid: number }>(store, "runs", "_lock.json")).pid).toBe(record.pid);
    killed.push(record.id);
  }

  test("a first run publishes gold and loads the serving store", async () => {
    expect((await runAll("old").done).code).toBe(0);
    const state = await goldState();
    oldRun = state.run_id;
    oldRows = rowsOf(state);
    expect(servingCounts()).toEqual(oldRows);
    reader = new Reader();
  }, 60_000);

  test("killed while gold writes its version: the latest tables are untouched", async () => {
    const { child } = runAll("new");
    const record = await killWhen(child, "gold's first versioned table", (r) => versionsWritten(r.id) > 0);

    const written = versionsWritten(record.id);
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(GOLD_KEYS.length);
    expect((await goldState()).run_id).toBe(oldRun);
    for (const key of GOLD_KEYS) expect(await latestDigest(key)).toBe(await versionDigest(oldRun, key));
    await expectIncompleteAndLocked(record);
  }, 60_000);

  test("killed while copying its version over the latest keys: some tables are new, the rest old, each whole", async () => {
    const { child } = runAll("new");
    const latest = join(lake, "gold", "fact_achats.parquet");
    const stamp = () => {
      const { ino, mtimeMs, size } = statSync(latest);
      return `${ino}:${mtimeMs}:${size}`;
    };
    const before = stamp();
    // The first copy replaces fact_achats.parquet; nineteen more follow it.
    const record = await killWhen(child, "the first table copied", () => stamp() !== before);

    expect((await goldState()).run_id).toBe(oldRun);
    const stillOld: string[] = [];
    for (const key of GOLD_KEYS) {
      const now = await latestDigest(key);
      const old = await versionDigest(oldRun, key);
      const fresh = await versionDigest(record.id, key);
      expect([old, fresh]).toContain(now);
      if (now !== fresh) stillOld.push(key);
    }
    expect(await latestDigest("fact_achats.parquet")).toBe(await versionDigest(record.id, "fact_achats.parquet"));
    expect(stillOld.length).toBeGreaterThan(0);
    await expectIncompleteAndLocked(record);
  }, 60_000);

  test("killed while loading the serving store: every table is still the previous run's, whole", async () => {
    // A pause after each table's load: the export of these few rows would be over in a blink.
    const { child } = runAll("new", { ELT_TEST_EXPORT_PAUSE_MS: "200" });
    // Its export has begun writing the serving store's next version, which is not served yet.
    const record = await killWhen(child, "the export's new file", () => exportsUnderWay() > 0);
    expect(exportsUnderWay()).toBe(1);

    // It first finished the publish the run before left half-done, so gold had nothing to build.
    const state = await goldState();
    expect(state.run_id).toBe(killed[1]!);
    newGoldRun = state.run_id;
    expect(new Set(Object.values(servedBy()))).toEqual(new Set([oldRun]));
    expect(servingCounts()).toEqual(oldRows);
    await expectIncompleteAndLocked(record);
  }, 60_000);

  test("the next run breaks the dead process's lock and completes normally", async () => {
    const { child, done } = runAll("new");
    const { code, out, err } = await done;
    expect(err).not.toContain("another elt process");
    expect(code).toBe(0);
    // Gold was skipped: it says which run's gold is published, not that run's KPIs as its own.
    expect(out).toContain(`Published  the gold tables of run ${newGoldRun}, untouched`);
    expect(out).not.toContain("CA total");

    const runs = await listRuns();
    const record = runs.find((r) => r.pid === child.pid)!;
    expect(record.state).toBe("succeeded");
    // Silver and gold were published whole by the killed runs; only the load is left to do.
    expect(record.tasks.map((t) => [t.name, t.state])).toEqual([
      ["bronze.clients", "succeeded"],
      ["bronze.achats", "succeeded"],
      ["silver", "skipped"],
      ["gold", "skipped"],
      ["export", "succeeded"],
    ]);
    const incomplete = runs.filter((r) => r.state === "incomplete").map((r) => r.id);
    expect(incomplete.sort()).toEqual(killed.sort());
    expect(await store.stat("runs", "_lock.json")).toBeNull();

    for (const key of GOLD_KEYS) expect(await latestDigest(key)).toBe(await versionDigest(newGoldRun, key));
    const newRows = rowsOf(await goldState());
    expect(servingCounts()).toEqual(newRows);
    expect(new Set(Object.values(servedBy()))).toEqual(new Set([record.id]));
    // The killed export's file went as this one began: its process is gone.
    expect(exportsUnderWay()).toBe(0);
  }, 60_000);

  test("a forced rebuild publishes again while the reader reads on", async () => {
    const { code, out } = await elt(["run", "--all", "--force", "--json", "--sources", sources("new"), "--as-of", AS_OF]).done;
    expect(code).toBe(0);
    const record = JSON.parse(out) as RunRecord;
    expect(record.tasks.every((t) => t.state === "succeeded")).toBe(true);
  }, 60_000);

  test("a reader all along saw every table whole: the old version or the new one", async () => {
    const watched = reader!;
    await watched.stop();
    expect(watched.problems).toEqual([]);
    expect(watched.passes).toBeGreaterThan(0);
    const newRows = rowsOf(await goldState());
    for (const key of GOLD_KEYS) {
      const table = key.slice(0, key.lastIndexOf(".")) as GoldTableName;
      expect(await versionRows(oldRun, key)).toBe(oldRows[table]);
      expect(await versionRows(newGoldRun, key)).toBe(newRows[table]);
      const versions = new Set([await versionDigest(oldRun, key), await versionDigest(newGoldRun, key)]);
      for (const seen of watched.objects.get(key)!) expect(versions).toContain(seen);
    }
    for (const table of GOLD_TABLE_NAMES) {
      for (const n of watched.served.get(table)!) expect([oldRows[table], newRows[table]]).toContain(n);
    }
    // It did read across the changes, not only before or after them.
    expect(oldRows.fact_achats).not.toBe(newRows.fact_achats);
    expect(watched.objects.get("fact_achats.parquet")!.size).toBe(2);
    expect(watched.served.get("fact_achats")).toEqual(new Set([oldRows.fact_achats, newRows.fact_achats]));
  }, 60_000);
});
