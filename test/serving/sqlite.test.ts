import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { StoreError } from "../../src/core/errors.ts";
import { GOLD_TABLE_NAMES } from "../../src/contract/gold-tables.ts";
import { KEPT_WRITES, type ServingStore } from "../../src/serving/serving-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { stagingName, stagingSession } from "../../src/serving/staging.ts";
import { FACT, KPIS_EMPTY, batchesOf, factRows, idsOf } from "./fixtures.ts";

const SQLITE_MODULE = resolve(import.meta.dir, "../../src/serving/sqlite/sqlite.ts");

let dir = "";
const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function fresh(options?: { busyTimeoutMs?: number }): { path: string; store: ServingStore } {
  dir = mkdtempSync(join(tmpdir(), "elt-sqlite-"));
  const path = join(dir, "serving.sqlite");
  const store = openSqliteStore(path, options);
  opened.push(store);
  return { path, store };
}

function storeFailure(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error("expected a StoreError");
}

async function asyncStoreFailure(promise: Promise<unknown>): Promise<StoreError> {
  const err = await promise.then(
    () => new Error("expected a StoreError"),
    (e: unknown) => e,
  );
  if (err instanceof StoreError) return err;
  throw err;
}

/**
 * Reads fact_achats in a loop from another process until `stop` exists, printing one line
 * per read: the version it saw ("old" or "new") or what was wrong with it.
 */
const READER = `
import { existsSync } from "node:fs";
import { openSqliteStore } from ${JSON.stringify(SQLITE_MODULE)};
const [path, stop, oldCount, newCount] = process.argv.slice(-4);
const store = openSqliteStore(path);
while (!existsSync(stop)) {
  let line;
  try {
    const last = await store.read("fact_achats", { limit: 1, sort: { column: "id_achat", direction: "desc" } });
    const version = last.total === Number(oldCount) ? "old" : last.total === Number(newCount) ? "new" : "total " + last.total;
    const row = last.rows[0];
    line = row && row.produit === version && row.id_achat === last.total ? version : "bad " + version + " " + JSON.stringify(last.rows);
  } catch (err) {
    line = "bad " + String(err);
  }
  console.log(line);
}
await store.close();
`;

describe("sqlite serving store", () => {
  test("uses WAL so readers never wait for a writer", () => {
    const { path } = fresh();
    const raw = new Database(path, { readonly: true });
    expect(raw.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    raw.close();
  });

  test("a reader in another process sees the old table or the new one while a big replace runs", async () => {
    const { path, store } = fresh();
    const OLD = 500;
    const NEW = 100_000;
    await store.replaceTable("fact_achats", batchesOf(factRows(OLD, "old"), 1000), "run-old");
    const stop = join(dir, "stop");
    const child = Bun.spawn([process.execPath, "-e", READER, path, stop, String(OLD), String(NEW)], { stdout: "pipe", stderr: "inherit" });
    const lines: string[] = [];
    const collecting = (async () => {
      let rest = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop()!;
        lines.push(...parts);
      }
    })();
    // Paces the writer to one batch per reader line, so reads spread over the whole load (a line
    // may wait in the pipe, so this paces rather than synchronises; the checks below do not rely on it).
    const readerTurn = async () => {
      const until = lines.length + 1;
      while (lines.length < until) await Bun.sleep(1);
    };
    await readerTurn();
    await store.replaceTable("fact_achats", batchesOf(factRows(NEW, "new"), 5000, readerTurn), "run-new");
    while (!lines.includes("new")) await Bun.sleep(1);
    writeFileSync(stop, "");
    await child.exited;
    await collecting;
    expect(child.exitCode).toBe(0);
    expect(lines.filter((l) => l !== "old" && l !== "new")).toEqual([]);
    expect(lines[0]).toBe("old");
    // Once the new table is seen, the old one never comes back.
    expect(lines.slice(lines.indexOf("new")).every((l) => l === "new")).toBe(true);
    // At least one read per batch happened while the old table was still served.
    expect(lines.filter((l) => l === "old").length).toBeGreaterThanOrEqual(20);
  });

  test("a file that is not a database is a StoreError, not a crash", () => {
    dir = mkdtempSync(join(tmpdir(), "elt-sqlite-"));
    const path = join(dir, "serving.sqlite");
    writeFileSync(path, "this is not a database, just some text that is long enough to have a header".repeat(20));
    const err = storeFailure(() => openSqliteStore(path));
    expect(err.kind).toBe("failed");
    expect(err.message).toBe(`serving store ${path}: not a valid SQLite database (remove it: the next export recreates it)`);
  });

  test("a folder that does not exist is a StoreError unreachable", () => {
    dir = mkdtempSync(join(tmpdir(), "elt-sqlite-"));
    const err = storeFailure(() => openSqliteStore(join(dir, "missing", "serving.sqlite")));
    expect(err.kind).toBe("unreachable");
  });

  test("a file removed while open: reads say the store is gone, then a new export is seen without a restart", async () => {
    const { path, store } = fresh();
    await store.replaceTable("fact_achats", batchesOf(FACT, 10), "run-1");
    for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
    const err = await asyncStoreFailure(store.read("fact_achats"));
    expect(err.kind).toBe("unreachable");
    expect(err.message).toBe(`serving store ${path} was removed: run \`elt run export --force\` to rebuild it`);
    // The reader did not recreate an empty database in its place.
    expect(existsSync(path)).toBe(false);

    rmSync(path, { force: true });
    const writer = openSqliteStore(path);
    opened.push(writer);
    await writer.replaceTable("fact_achats", batchesOf(FACT.slice(0, 2), 10), "run-2");
    expect(await store.read("fact_achats")).toEqual({ rows: FACT.slice(0, 2), total: 2 });
  });

  test("fact_achats ids must rise strictly, as gold orders them: they are the table's row order", async () => {
    const { store } = fresh();
    await store.replaceTable("fact_achats", batchesOf(FACT, 10), "run-1");
    const swapped = [FACT[0]!, FACT[2]!, FACT[1]!];
    const err = await asyncStoreFailure(store.replaceTable("fact_achats", batchesOf(swapped, 1), "run-2"));
    expect(err.kind).toBe("failed");
    expect(err.message).toBe("id_achat must rise strictly in gold order: row 3 has 2 after 3");
    const repeated = await asyncStoreFailure(store.replaceTable("fact_achats", batchesOf([FACT[0]!, FACT[0]!], 10), "run-2"));
    expect(repeated.message).toBe("id_achat must rise strictly in gold order: row 2 has 1 after 1");
    expect(await store.read("fact_achats")).toEqual({ rows: FACT, total: 8 });
  });

  test("a load's pages reach the database file without waiting for the last connection to close", async () => {
    const { path, store } = fresh();
    await store.replaceTable("kpis", batchesOf(KPIS_EMPTY, 1), "run-1");
    // A reader that has read keeps the WAL open, so closing the store is not the last close
    // (which would copy the WAL into the file itself).
    const reader = new Database(path, { readonly: true });
    try {
      expect(reader.query("SELECT count(*) AS n FROM gold_kpis").get()).toEqual({ n: 1 });
      await store.replaceTable("fact_achats", batchesOf(factRows(50_000, "x"), 10_000), "run-1");
      await store.close();
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(statSync(path).size).toBeGreaterThan(2_000_000);
      expect(reader.query("SELECT count(*) AS n FROM gold_fact_achats").get()).toEqual({ n: 50_000 });
    } finally {
      reader.close();
    }
  });

  test("a fact table of the earlier layout (rows keyed by _row) still reads in gold order, with its count", async () => {
    const { path, store } = fresh();
    const raw = new Database(path);
    const columns = Object.keys(FACT[0]!);
    raw.run(`CREATE TABLE gold_fact_achats (_row INTEGER PRIMARY KEY, ${columns.join(", ")})`);
    const insert = raw.prepare(`INSERT INTO gold_fact_achats (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
    for (const row of FACT) insert.run(...columns.map((c) => row[c]!));
    raw.run(`CREATE TABLE _refresh_metadata (collection TEXT PRIMARY KEY, write_start TEXT NOT NULL, write_end TEXT NOT NULL,
      duration_seconds REAL NOT NULL, record_count INTEGER NOT NULL, run_id TEXT NOT NULL)`);
    raw.run("INSERT INTO _refresh_metadata VALUES ('gold_fact_achats', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:01.000Z', 1, 8, 'old')");
    raw.close();
    expect(await store.read("fact_achats")).toEqual({ rows: FACT, total: 8 });
    expect(idsOf((await store.read("fact_achats", { sort: { column: "montant", direction: "asc" }, limit: 3 })).rows)).toEqual([
      9007199254740991, 6, 7,
    ]);
  });

  test("_refresh_metadata keeps one row per write, an earlier one-row-per-collection table included; the latest is served", async () => {
    const { path, store } = fresh();
    const raw = new Database(path);
    raw.run(`CREATE TABLE _refresh_metadata (collection TEXT PRIMARY KEY, write_start TEXT NOT NULL, write_end TEXT NOT NULL,
      duration_seconds REAL NOT NULL, record_count INTEGER NOT NULL, run_id TEXT NOT NULL)`);
    raw.run("INSERT INTO _refresh_metadata VALUES ('gold_fact_achats', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:01.000Z', 1, 5, 'old')");
    const history = () => raw.query("SELECT collection, run_id FROM _refresh_metadata ORDER BY rowid").all();
    try {
      const kpis = await store.replaceTable("kpis", batchesOf(KPIS_EMPTY, 1), "run-1");
      const first = await store.replaceTable("fact_achats", batchesOf(FACT, 10), "run-1");
      const second = await store.replaceTable("fact_achats", batchesOf(FACT.slice(0, 2), 10), "run-2");
      expect(history()).toEqual([
        { collection: "gold_fact_achats", run_id: "old" },
        { collection: "gold_kpis", run_id: "run-1" },
        { collection: "gold_fact_achats", run_id: "run-1" },
        { collection: "gold_fact_achats", run_id: "run-2" },
      ]);
      expect(first.run_id).toBe("run-1");
      expect(await store.refreshMetadata()).toEqual([second, kpis]);
      expect(await store.refreshMetadata("gold_fact_achats")).toEqual([second]);
      // The unfiltered count is the latest write's.
      expect((await store.read("fact_achats")).total).toBe(2);
    } finally {
      raw.close();
    }
  });

  test("each collection keeps its latest writes, so many exports in, one still copies a bounded history", async () => {
    const { path, store } = fresh();
    await store.replaceTable("kpis", batchesOf(KPIS_EMPTY, 1), "first");
    const raw = new Database(path);
    const insert = raw.prepare("INSERT INTO _refresh_metadata VALUES (?, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:01.000Z', 1, 0, ?)");
    raw.transaction(() => {
      for (let i = 0; i < KEPT_WRITES + 5; i++) insert.run("gold_kpis", `old-${i}`);
      insert.run("gold_agg_jour", "other");
    })();
    const runs = (collection: string) => raw.query<{ run_id: string }, [string]>("SELECT run_id FROM _refresh_metadata WHERE collection = ? ORDER BY rowid").all(collection).map((r) => r.run_id);
    try {
      await store.replaceTable("kpis", batchesOf(KPIS_EMPTY, 1), "in-place");
      expect(runs("gold_kpis").length).toBe(KEPT_WRITES);
      expect(runs("gold_kpis").slice(0, 2)).toEqual([`old-6`, `old-7`]);
      expect(runs("gold_kpis").at(-1)).toBe("in-place");
      expect(runs("gold_agg_jour")).toEqual(["other"]);
    } finally {
      raw.close();
    }
    // A whole-store export, into a new file: the same bound.
    const session = await store.beginExport("whole");
    for (const table of GOLD_TABLE_NAMES) await session.load(table, batchesOf(table === "kpis" ? KPIS_EMPTY : [], 1));
    await session.commit();
    const after = new Database(path, { readonly: true });
    try {
      const kept = after.query<{ run_id: string }, []>("SELECT run_id FROM _refresh_metadata WHERE collection = 'gold_kpis' ORDER BY rowid").all().map((r) => r.run_id);
      expect([kept.length, kept[0], kept.at(-1)]).toEqual([KEPT_WRITES, "old-7", "whole"]);
    } finally {
      after.close();
    }
  });

  test("an export drops the staging tables a killed process left, and no other table, nor a live session's", async () => {
    const { path, store } = fresh();
    const live = await store.beginExport("run-live");
    await live.load("kpis", batchesOf(KPIS_EMPTY, 1));
    // A process that has exited: every writer of a WAL file is on this host, so it is known dead.
    const gone = Bun.spawn(["true"]);
    await gone.exited;
    const killed = stagingName("gold_fact_achats", stagingSession(Date.now(), gone.pid));
    // The same pid in another pid namespace (a container beside this one): alive there, maybe.
    const ours = stagingSession(0).split("_")[2]!.slice(0, 4);
    const container = stagingName("gold_agg_jour", stagingSession(Date.now(), gone.pid, ours === "0000" ? "0001" : "0000"));
    const raw = new Database(path);
    raw.run(`CREATE TABLE "${killed}" (x)`);
    raw.run(`CREATE TABLE "${container}" (x)`);
    // Names that only look like staging: a user's tables are never dropped.
    raw.run("CREATE TABLE notes__staging_1 (x)");
    raw.run("CREATE TABLE gold_fact_achats__staging_ (x)");
    const tables = () =>
      raw.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((t) => t.name);
    try {
      expect(tables().filter((n) => n.includes("__staging_")).length).toBe(5);
      const other = openSqliteStore(path);
      opened.push(other);
      await other.replaceTable("agg_mois", batchesOf([], 1), "run-2");
      expect(tables().filter((n) => n.includes("__staging_"))).toEqual([container, "gold_fact_achats__staging_", expect.stringMatching(/^gold_kpis__staging_/), "notes__staging_1"]);
      await live.commit();
      expect(tables()).toEqual(["_refresh_metadata", container, "gold_agg_mois", "gold_fact_achats__staging_", "gold_kpis", "notes__staging_1"]);
    } finally {
      raw.close();
    }
  });

  test("a database locked by another writer is a StoreError, and the served table is untouched", async () => {
    const { path, store } = fresh({ busyTimeoutMs: 50 });
    await store.replaceTable("fact_achats", batchesOf(FACT, 10), "run-1");
    const other = new Database(path);
    other.run("BEGIN IMMEDIATE");
    const err = await asyncStoreFailure(store.replaceTable("fact_achats", batchesOf(FACT.slice(0, 1), 10), "run-2"));
    expect(err.kind).toBe("failed");
    expect(err.message).toBe(`serving store ${path}: locked by another process for more than 50 ms`);
    // Readers are not blocked by the lock.
    expect((await store.read("fact_achats")).total).toBe(8);
    other.run("ROLLBACK");
    other.close();
    await store.replaceTable("fact_achats", batchesOf(FACT.slice(0, 1), 10), "run-2");
    expect((await store.read("fact_achats")).rows).toEqual(FACT.slice(0, 1));
  });

  test("a whole export that cannot write its new file fails with a StoreError naming the store; the served tables stay", async () => {
    const { path, store } = fresh();
    await store.replaceTable("fact_achats", batchesOf(FACT, 10), "run-1");
    // Where the store's versions go, a file instead of a folder.
    writeFileSync(`${path}.d`, "in the way");
    const err = await asyncStoreFailure(store.beginExport("run-2", GOLD_TABLE_NAMES));
    expect(err.kind).toBe("failed");
    expect(err.message).toStartWith(`serving store ${path}: `);
    expect(err.message).not.toContain("\n");
    expect((await store.read("fact_achats")).total).toBe(FACT.length);
  });
});
