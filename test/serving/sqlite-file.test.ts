import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cell, ColumnType } from "../../src/contract/columns.ts";
import { Utf8Values } from "../../src/columnar/columns.ts";
import { DatabaseFile, type BigTable, type TableWriter } from "../../src/serving/sqlite/file/database-file.ts";

/**
 * The database file writer against SQLite itself: what it writes must pass SQLite's
 * `integrity_check` (every page, every cell, every index entry against its row) and read back
 * exactly what the same rows inserted with SQL read back. Small pages make deep trees and
 * overflow chains out of a few thousand rows.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "elt-sqlite-file-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COLUMNS = "id INTEGER PRIMARY KEY, n INTEGER, x REAL, t TEXT, k INTEGER, m INTEGER, w INTEGER";
const TYPES: ColumnType[] = ["int", "int", "double", "string", "int", "int", "int"];

const EDGE_INTEGERS = [0, 1, -1, 127, -128, 128, 32767, -32768, 32768, 8388607, -8388608, 8388608, 2147483647, -2147483648, 2147483648, 140737488355327, -140737488355328, 140737488355328, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
const EDGE_DOUBLES = [0, -0, 1.5, -2.25, 1e300, -1e-300, 3, Number.MAX_VALUE, Number.EPSILON];
// U+E000 sorts after the emoji's surrogates as UTF-16 units, before it as UTF-8 bytes (SQLite's order).
const EDGE_TEXTS = ["", "a", "é", "日本語", "😀 emoji", "\ue000 private use", "lone \ud800 surrogate", "tab\tand\nnewline", "x".repeat(700), "ü".repeat(3000)];

/** Rows `count` long, cycling through the edge values, with nulls in every nullable column. */
function rows(count: number): Cell[][] {
  const out: Cell[][] = [];
  for (let i = 0; i < count; i++) {
    out.push([
      (i + 1) * 3,
      i % 11 === 0 ? null : EDGE_INTEGERS[i % EDGE_INTEGERS.length]!,
      i % 13 === 0 ? null : i % 17 === 0 ? Number.NaN : EDGE_DOUBLES[i % EDGE_DOUBLES.length]! * (i + 1),
      i % 7 === 0 ? null : `${EDGE_TEXTS[i % EDGE_TEXTS.length]!}${i}`,
      // Few distinct keys, nulls among them: an index of long runs of equal keys.
      i % 19 === 0 ? null : (i * 7919) % 97 - 40,
      // None below 0 (as ids and counts): kept narrow, NULL among them.
      i % 23 === 0 ? null : (i * 31) % 500,
      // Spread wider than there are rows: packed with the rowid into doubles and sorted.
      i % 29 === 0 ? null : (i * 104729) % 9_999_991,
    ]);
  }
  return out;
}

/** The rows pushed as column batches of 500. */
async function pushed(load: TableWriter, data: Cell[][]): Promise<void> {
  for (let from = 0; from < data.length; from += 500) {
    const part = data.slice(from, from + 500);
    await load.push(part.length, TYPES.map((_, c) => part.map((row) => row[c]!)));
  }
}

/**
 * `workers`: how many table workers write table t's leaves while this thread writes table u,
 * and how many index workers share its five indexes (one at least); `big`, when t takes more.
 * Answers the file, and the workers its tables had.
 */
async function written(name: string, data: Cell[][], pageSize: number, workers: number, big?: BigTable): Promise<{ path: string; workers: DatabaseFile["workerCounts"] }> {
  const path = join(dir, `${name}-${workers}${big ? "-big" : ""}.sqlite`);
  const batch = 1000;
  const file = new DatabaseFile(path, pageSize, Math.max(1, workers), big);
  const indexes = [
    { name: "t_k", columns: [4], sql: "CREATE INDEX t_k ON t (k)" },
    { name: "t_tk", columns: [3, 4], sql: "CREATE INDEX t_tk ON t (t, k)" },
    // Integers spanning 2^54: too wide to pack with the row into a double, sorted another way.
    { name: "t_n", columns: [1], sql: "CREATE INDEX t_n ON t (n)" },
    { name: "t_m", columns: [5], sql: "CREATE INDEX t_m ON t (m)" },
    { name: "t_w", columns: [6], sql: "CREATE INDEX t_w ON t (w)" },
  ];
  const load = file.table("t", `CREATE TABLE t (${COLUMNS})`, TYPES, { column: 0, name: "id", numbered: false }, indexes, workers);
  for (let from = 0; from < data.length; from += batch) {
    const part = data.slice(from, from + batch);
    await load.push(part.length, TYPES.map((_, c) => part.map((row) => row[c]!)));
  }
  load.finish();
  const numbered = file.table("u", "CREATE TABLE u (_row INTEGER PRIMARY KEY, v TEXT)", ["int", "string"], { column: 0, name: "_row", numbered: true });
  await numbered.push(3, [undefined, ["one", null, "three"]]);
  numbered.finish();
  await file.close();
  return { path, workers: file.workerCounts };
}

/** The same rows inserted with SQL, as SQLite itself stores them. */
function inserted(data: Cell[][]): Database {
  const db = new Database(":memory:");
  db.run(`CREATE TABLE t (${COLUMNS})`);
  const insert = db.prepare(`INSERT INTO t VALUES (${TYPES.map(() => "?").join(", ")})`);
  db.transaction(() => {
    for (const row of data) insert.run(...(row.map((v) => (typeof v === "number" && Number.isNaN(v) ? null : v)) as Cell[]));
  })();
  return db;
}

describe("a database file written page by page", () => {
  for (const [label, count, pageSize] of [
    ["a few rows on one page", 5, 4096],
    ["thousands of rows on small pages: interior levels and overflow chains", 6000, 1024],
    ["many rows on the store's page size", 40_000, 16384],
  ] as const) {
    test.each([
      ["on this thread", 0, undefined],
      ["in one table worker", 1, undefined],
      ["in three table workers, batches in turn, and three index workers", 3, undefined],
      // Past 2,500 rows: two more table workers join, mid-table, and three more index workers.
      ["in one table worker and one index worker, three and four past 2,500 rows", 1, { rows: 2500, tableWorkers: 3, indexWorkers: 4 }],
    ] as const)(`${label}, %s: SQLite finds it sound and reads back what SQL inserted`, async (_, workers, big) => {
      const data = rows(count);
      const { path, workers: had } = await written(label.replaceAll(/\W+/g, "-"), data, pageSize, workers, big);
      const grown = big !== undefined && count > big.rows;
      expect(had).toEqual({ table: grown ? 3 : workers, index: [grown ? 4 : Math.max(1, workers), 0] });
      const db = new Database(path, { readonly: true });
      const reference = inserted(data);
      try {
        expect(db.query("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
        expect(db.query("PRAGMA page_size").get()).toEqual({ page_size: pageSize });
        expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
        const all = "SELECT id, n, x, t, k, m, w, typeof(n) AS tn, typeof(x) AS tx, typeof(t) AS tt FROM t ORDER BY id";
        expect(db.query(all).all()).toEqual(reference.query(all).all());
        // The index, in its own order, and used for a lookup.
        const byKey = "SELECT k, id FROM t INDEXED BY t_k ORDER BY k, id";
        expect(db.query(byKey).all()).toEqual(reference.query("SELECT k, id FROM t ORDER BY k, id").all());
        const byTextKey = "SELECT t, k, id FROM t INDEXED BY t_tk ORDER BY t, k, id";
        expect(db.query(byTextKey).all()).toEqual(reference.query("SELECT t, k, id FROM t ORDER BY t, k, id").all());
        for (const column of ["n", "m", "w"]) {
          const inIndex = `SELECT ${column}, id FROM t INDEXED BY t_${column} ORDER BY ${column}, id`;
          expect(db.query(inIndex).all()).toEqual(reference.query(`SELECT ${column}, id FROM t ORDER BY ${column}, id`).all());
        }
        const plan = db.query<{ detail: string }, [number]>("EXPLAIN QUERY PLAN SELECT id FROM t WHERE k = ?").all(5);
        expect(plan.map((p) => p.detail).join()).toContain("USING COVERING INDEX t_k");
        expect(db.query("SELECT count(*) AS n FROM t WHERE k IS NULL").get()).toEqual(reference.query("SELECT count(*) AS n FROM t WHERE k IS NULL").get());
        expect(db.query("SELECT _row, v FROM u ORDER BY _row").all()).toEqual([
          { _row: 1, v: "one" },
          { _row: 2, v: null },
          { _row: 3, v: "three" },
        ]);
      } finally {
        db.close();
        reference.close();
      }
    });
  }

  test("an empty table and an empty index are sound, and a written file takes SQL writes", async () => {
    const path = join(dir, "empty.sqlite");
    const file = new DatabaseFile(path, 1024);
    const load = file.table("t", `CREATE TABLE t (${COLUMNS})`, TYPES, { column: 0, name: "id", numbered: false }, [
      { name: "t_k", columns: [4], sql: "CREATE INDEX t_k ON t (k)" },
    ]);
    load.finish();
    await file.close();
    const db = new Database(path, { readwrite: true });
    try {
      expect(db.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: 0 });
      db.run("INSERT INTO t VALUES (1, 2, 3.5, 'x', 4, 5, 6)");
      db.run("CREATE TABLE more (a)");
      expect(db.query("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
      expect(db.query("SELECT k FROM t WHERE k = 4").all()).toEqual([{ k: 4 }]);
    } finally {
      db.close();
    }
  });

  // As arrays of cells, and as the Parquet reader hands them: integers in a Float64Array, texts as Indexed.
  for (const typed of [false, true]) {
    test(`keys and rowids past what 16 and 32 bits hold are widened on the way, in place${typed ? ", from typed columns" : ""}`, async () => {
      const path = join(dir, `widened-${typed}.sqlite`);
      const file = new DatabaseFile(path, 4096);
      const load = file.table("v", "CREATE TABLE v (id INTEGER PRIMARY KEY, t TEXT, n INTEGER)", ["int", "string", "int"], { column: 0, name: "id", numbered: false }, [
        // 70,000 distinct texts: more ids than 16 bits hold.
        { name: "v_t", columns: [1], sql: "CREATE INDEX v_t ON v (t)" },
        // 0 or more for 66,000 rows, then below 0: what was kept shifted by one goes back to what it was.
        { name: "v_n", columns: [2], sql: "CREATE INDEX v_n ON v (n)" },
        { name: "v_tn", columns: [1, 2], sql: "CREATE INDEX v_tn ON v (t, n)" },
      ]);
      const count = 70_000;
      // Rowids from 1, then past 2^32 from row 40,001 on.
      const rowid = (i: number) => (i < 40_000 ? i + 1 : 2 ** 32 + i);
      const text = (i: number) => (i % 9 === 0 ? null : `key ${(i * 7) % count}`);
      // A typed column has no NULL; past 70,001 the 16-bit ids widen too.
      const number = (i: number) => (i % 13 === 0 && !typed ? null : i < 66_000 ? (i * 17) % 70_001 + (typed && i > 1000 ? 70_000 : 0) : -i);
      for (let from = 0; from < count; from += 5000) {
        const ids = Array.from({ length: 5000 }, (_, k) => from + k);
        if (!typed) await load.push(5000, [ids.map(rowid), ids.map(text), ids.map(number)]);
        else {
          const entries = new Utf8Values();
          const index = Int32Array.from(ids, (i) => (text(i) === null ? -1 : entries.pushString(text(i)!)));
          await load.push(5000, [Float64Array.from(ids, rowid), { values: entries, index }, Float64Array.from(ids, (i) => number(i)!)]);
        }
      }
      load.finish();
      await file.close();
      const db = new Database(path, { readonly: true });
      const reference = new Database(":memory:");
      try {
        reference.run("CREATE TABLE v (id INTEGER PRIMARY KEY, t TEXT, n INTEGER)");
        const insert = reference.prepare("INSERT INTO v VALUES (?, ?, ?)");
        reference.transaction(() => {
          for (let i = 0; i < count; i++) insert.run(rowid(i), text(i), number(i));
        })();
        expect(db.query("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
        for (const [index, columns] of [["v_t", "t"], ["v_n", "n"], ["v_tn", "t, n"]]) {
          const order = `ORDER BY ${columns}, id`;
          expect(db.query(`SELECT ${columns}, id FROM v INDEXED BY ${index} ${order}`).all()).toEqual(reference.query(`SELECT ${columns}, id FROM v ${order}`).all());
        }
      } finally {
        db.close();
        reference.close();
      }
    });
  }

  test("a file past 1 GiB leaves out the page of SQLite's lock bytes, in no tree and not free", async () => {
    const pageSize = 65536;
    const path = join(dir, "past-1-gib.sqlite");
    const file = new DatabaseFile(path, pageSize);
    // 1,100 rows of 1 MiB: overflow chains from the main thread, an index from a worker, both past the lock page.
    const text = "x".repeat(1 << 20);
    const load = file.table("b", "CREATE TABLE b (id INTEGER PRIMARY KEY, k INTEGER, t TEXT)", ["int", "int", "string"], { column: 0, name: "id", numbered: false }, [
      { name: "b_k", columns: [1], sql: "CREATE INDEX b_k ON b (k)" },
    ]);
    const count = 1100;
    for (let from = 0; from < count; from += 50) {
      const ids = Array.from({ length: 50 }, (_, i) => from + i + 1);
      load.push(50, [ids, ids.map((id) => (id * 37) % 101), ids.map(() => text)]);
    }
    load.finish();
    await file.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.query<{ page_count: number }, []>("PRAGMA page_count").get()!.page_count * pageSize).toBeGreaterThan(2 ** 30);
      expect(db.query("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
      expect(db.query("SELECT count(*) AS n, sum(length(t)) AS bytes, count(DISTINCT k) AS keys FROM b").get()).toEqual({ n: count, bytes: count * text.length, keys: 101 });
    } finally {
      db.close();
      rmSync(path);
    }
  }, 60_000);

  test("two big tables share the file's table workers, one after the other; each reads back whole", async () => {
    const path = join(dir, "shared-workers.sqlite");
    const file = new DatabaseFile(path, 65536, 1);
    // About 16 MiB of leaves per worker for t1 on 64 KiB pages: its end waits for a sync of the disk while t2's job is already queued
    // (a worker handling its messages as they come fails this in most runs).
    const tables = [
      ["t1", rows(45_000)],
      ["t2", rows(3000)],
    ] as const;
    for (const [name, data] of tables) {
      const index = [{ name: `${name}_k`, columns: [4], sql: `CREATE INDEX ${name}_k ON ${name} (k)` }];
      const load = file.table(name, `CREATE TABLE ${name} (${COLUMNS})`, TYPES, { column: 0, name: "id", numbered: false }, index, 2);
      await pushed(load, data);
      // The next table starts while this one's leaves may still be written.
      load.finish();
    }
    await file.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.query("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
      for (const [name, data] of tables) {
        const reference = inserted(data);
        const all = "SELECT id, n, x, t, k, m, w FROM t ORDER BY id";
        expect(db.query(all.replace("FROM t", `FROM ${name}`)).all()).toEqual(reference.query(all).all());
        expect(db.query(`SELECT k, id FROM ${name} INDEXED BY ${name}_k ORDER BY k, id`).all()).toEqual(reference.query("SELECT k, id FROM t ORDER BY k, id").all());
        reference.close();
      }
    } finally {
      db.close();
    }
  }, 60_000);

  const idsOnly = (ids: Cell[]) => TYPES.map((_, c) => (c === 0 ? ids : ids.map(() => null)));
  // Text as Indexed numbers: the worker's encoder refuses it; the error reaches a later batch or the close.
  const badBatch = (ids: number[]) => TYPES.map((_, c) => (c === 0 ? ids : c === 3 ? { values: new Float64Array([1]), index: new Int32Array(ids.length) } : ids.map(() => null)));

  test("rowids must rise strictly from 1: anything else is refused, naming the row", () => {
    const file = new DatabaseFile(join(dir, "keys.sqlite"), 4096);
    const load = file.table("t", `CREATE TABLE t (${COLUMNS})`, TYPES, { column: 0, name: "id", numbered: false });
    expect(() => load.push(3, idsOnly([1, 5, 5]))).toThrow("id must rise strictly in gold order, from 1 up: row 3 has 5 after 5");
    expect(() => load.push(1, idsOnly([0]))).toThrow("row 1 has 0");
    file.discard();
  });

  test("with table workers, the same refusal, and a worker's own error fails the load in its words", async () => {
    const refused = new DatabaseFile(join(dir, "keys-in-worker.sqlite"), 4096);
    const load = refused.table("t", `CREATE TABLE t (${COLUMNS})`, TYPES, { column: 0, name: "id", numbered: false }, [{ name: "t_k", columns: [4], sql: "CREATE INDEX t_k ON t (k)" }], 2);
    await load.push(2, idsOnly([1, 2]));
    await expect(load.push(3, idsOnly([3, 7, 7]))).rejects.toThrow("id must rise strictly in gold order, from 1 up: row 5 has 7 after 7");
    refused.discard();

    const failing = new DatabaseFile(join(dir, "worker-error.sqlite"), 4096);
    const bad = failing.table("t", `CREATE TABLE t (${COLUMNS})`, TYPES, { column: 0, name: "id", numbered: false }, [], 2);
    const written = async () => {
      for (let b = 0; b < 4; b++) await bad.push(2, badBatch([2 * b + 1, 2 * b + 2]));
      bad.finish();
      await failing.close();
    };
    await expect(written()).rejects.toThrow("an Indexed column of Float64Array for a text column");
    failing.discard();
  });

  test("while two tables share the workers, a worker's error in the second reaches it and fails the file in its words", async () => {
    const path = join(dir, "shared-failing.sqlite");
    const file = new DatabaseFile(path, 4096, 1);
    const first = file.table("t1", `CREATE TABLE t1 (${COLUMNS})`, TYPES, { column: 0, name: "id", numbered: false }, [], 2);
    const data = rows(2000);
    await pushed(first, data);
    first.finish();
    const second = file.table("t2", `CREATE TABLE t2 (${COLUMNS})`, TYPES, { column: 0, name: "id", numbered: false }, [], 2);
    const written = async () => {
      for (let b = 0; b < 8; b++) await second.push(2, badBatch([2 * b + 1, 2 * b + 2]));
      second.finish();
      await file.close();
    };
    await expect(written()).rejects.toThrow("an Indexed column of Float64Array for a text column");
    file.discard();
  });

  test("after a table's push failed here, no other table of the file may start: the workers may still hold the failed one", async () => {
    const file = new DatabaseFile(join(dir, "failed-then-next.sqlite"), 4096);
    const load = file.table("t", `CREATE TABLE t (${COLUMNS})`, TYPES, { column: 0, name: "id", numbered: false }, [], 2);
    await load.push(2, idsOnly([1, 2]));
    await expect(load.push(2, idsOnly([2, 3]))).rejects.toThrow("row 3 has 2 after 2");
    expect(() => file.table("u", `CREATE TABLE u (${COLUMNS})`, TYPES, { column: 0, name: "id", numbered: false }, [], 2)).toThrow(
      "the serving store's table u cannot start: a table before it failed to load",
    );
    file.discard();
  });
});
