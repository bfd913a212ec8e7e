import { afterEach, describe, expect, test } from "bun:test";
import { dropMongoDatabase } from "./mongo-database.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StoreError, UsageError } from "../../src/core/errors.ts";
import type { ColumnBatch } from "../../src/contract/columns.ts";
import { GOLD_TABLES } from "../../src/contract/gold-tables.ts";
import type { Row } from "../../src/contract/columns.ts";
import { openMongoStore } from "../../src/serving/mongo/mongo.ts";
import { SERVING_BACKENDS } from "../../src/serving/registry/backends.ts";
import type { ServingStore } from "../../src/serving/serving-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { STALE_STAGING_MS } from "../../src/serving/staging.ts";
import { CA_PAR_PAYS, FACT, ISO_TIMESTAMP, KPIS_EMPTY, batchesOf, factRows, idsOf } from "./fixtures.ts";

/**
 * The behaviour every serving backend must show. A backend gives each test a fresh, empty
 * database that can be opened more than once (a second connection is a second reader), on a
 * clock of the test's choosing.
 */
interface Opening {
  clock?: () => number;
}

interface Backend {
  name: string;
  fresh(): { open(options?: Opening): Promise<ServingStore>; dispose(): Promise<void> };
}

const sqlite: Backend = {
  name: "sqlite",
  fresh() {
    const dir = mkdtempSync(join(tmpdir(), "elt-serving-"));
    return {
      open: async (options) => openSqliteStore(join(dir, "serving.sqlite"), options),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const MONGO_URI = process.env.ELT_TEST_MONGODB_URI;
let mongoDatabases = 0;
const mongo: Backend = {
  name: "mongo",
  fresh() {
    const database = `elt_test_${process.pid}_${++mongoDatabases}`;
    return {
      open: (options) => openMongoStore({ uri: MONGO_URI!, database, prefix: "gold_", ...options }),
      dispose: async () => {
        await dropMongoDatabase(MONGO_URI!, database);
      },
    };
  },
};

if (!MONGO_URI) console.error("MongoDB serving-store suite skipped: ELT_TEST_MONGODB_URI is not set");

test("the suite has a backend for every registered serving backend", () => {
  expect([sqlite, mongo].map((b) => b.name)).toEqual(SERVING_BACKENDS.map((b) => b.kind));
});

contract(sqlite);
describe.skipIf(!MONGO_URI)(MONGO_URI ? "mongo" : "mongo (skipped: ELT_TEST_MONGODB_URI is not set)", () => contract(mongo));

function contract(backend: Backend) {
  describe(`serving store contract: ${backend.name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** A store on a fresh database, plus a way to open more connections to that database. */
    async function fresh(): Promise<{ store: ServingStore; another: (options?: Opening) => Promise<ServingStore> }> {
      const db = backend.fresh();
      cleanups.push(db.dispose);
      const another = async (options?: Opening) => {
        const store = await db.open(options);
        cleanups.push(() => store.close());
        return store;
      };
      return { store: await another(), another };
    }

    async function withFact(): Promise<ServingStore> {
      const { store } = await fresh();
      await store.replaceTable("fact_achats", batchesOf(FACT, 2), "run-1");
      return store;
    }

    test("a written table reads back in gold order with exact values, types and only the gold columns", async () => {
      const store = await withFact();
      const { rows, total } = await store.read("fact_achats");
      expect(total).toBe(8);
      expect(rows).toEqual(FACT);
      for (const row of rows) expect(Object.keys(row)).toEqual(GOLD_TABLES.fact_achats.columns.map((c) => c.name));
      expect(typeof rows[0]!.id_achat).toBe("number");
      expect(rows[7]!.id_achat).toBe(9007199254740991);
      expect(rows[3]!.nom).toBeNull();
    });

    test("columns, as the Parquet reader hands them, load the same table as rows", async () => {
      const { store } = await fresh();
      const columns = GOLD_TABLES.fact_achats.columns;
      async function* asColumns(): AsyncIterable<ColumnBatch> {
        for (const part of [FACT.slice(0, 3), FACT.slice(3)]) {
          yield { rowCount: part.length, values: columns.map((c) => part.map((row) => row[c.name] ?? null)) };
        }
      }
      const meta = await store.replaceTable("fact_achats", asColumns(), "run-1");
      expect(meta.record_count).toBe(8);
      expect(await store.read("fact_achats")).toEqual({ rows: FACT, total: 8 });
    });

    test("the gold order is the order rows were written in, not the alphabetical one", async () => {
      const { store } = await fresh();
      await store.replaceTable("ca_par_pays", batchesOf(CA_PAR_PAYS, 10), "run-1");
      expect((await store.read("ca_par_pays")).rows.map((r) => r.pays)).toEqual(["Germany", "France", "España", "日本"]);
    });

    test("null doubles stay null", async () => {
      const { store } = await fresh();
      await store.replaceTable("kpis", batchesOf(KPIS_EMPTY, 1), "run-1");
      expect(await store.read("kpis")).toEqual({ rows: KPIS_EMPTY, total: 1 });
    });

    test("limit and skip page through the rows; total counts them all", async () => {
      const store = await withFact();
      const page = await store.read("fact_achats", { limit: 2, skip: 1 });
      expect(idsOf(page.rows)).toEqual([2, 3]);
      expect(page.total).toBe(8);
      expect(await store.read("fact_achats", { skip: 8 })).toEqual({ rows: [], total: 8 });
      expect(await store.read("fact_achats", { limit: 0 })).toEqual({ rows: [], total: 8 });
    });

    test("where filters with eq, gte and lte, typed like the column; total counts the matches", async () => {
      const store = await withFact();
      const ids = async (where: { column: string; op: "eq" | "gte" | "lte"; value: string | number }[]) =>
        idsOf((await store.read("fact_achats", { where })).rows);
      expect(await ids([{ column: "pays", op: "eq", value: "France" }])).toEqual([1, 3]);
      expect(await ids([{ column: "id_client", op: "eq", value: 10 }])).toEqual([1, 3]);
      expect(await ids([{ column: "id_client", op: "eq", value: "10" }])).toEqual([1, 3]);
      expect(await ids([{ column: "montant", op: "gte", value: "100" }])).toEqual([1, 3, 5]);
      expect(await ids([{ column: "montant", op: "lte", value: 19.99 }])).toEqual([6, 7, 9007199254740991]);
      expect(
        await ids([
          { column: "date_achat", op: "gte", value: "2024-01-20" },
          { column: "date_achat", op: "lte", value: "2024-02-10" },
        ]),
      ).toEqual([2, 3, 4]);
      expect(await ids([{ column: "produit", op: "eq", value: "Écran" }])).toEqual([6]);
      expect(await ids([{ column: "pays", op: "eq", value: "Italy" }])).toEqual([]);
      const first = await store.read("fact_achats", { where: [{ column: "pays", op: "eq", value: "France" }], limit: 1 });
      expect(idsOf(first.rows)).toEqual([1]);
      expect(first.total).toBe(2);
    });

    test("sort orders by a column, ties in gold order, nulls first when ascending", async () => {
      const store = await withFact();
      const ids = async (column: string, direction: "asc" | "desc", page: { limit?: number; skip?: number } = {}) =>
        idsOf((await store.read("fact_achats", { sort: { column, direction }, ...page })).rows);
      expect(await ids("montant", "desc")).toEqual([5, 3, 1, 2, 4, 6, 7, 9007199254740991]);
      expect(await ids("montant", "asc")).toEqual([9007199254740991, 6, 7, 4, 2, 1, 3, 5]);
      // Byte order: "España" < "France" < "Germany" < "日本".
      expect(await ids("pays", "asc")).toEqual([4, 7, 2, 1, 3, 5, 6, 9007199254740991]);
      expect(await ids("montant", "desc", { limit: 2, skip: 1 })).toEqual([3, 1]);
    });

    test("a column the table does not have is a UsageError, whatever the backend", async () => {
      const store = await withFact();
      await expect(store.read("fact_achats", { where: [{ column: "nope", op: "eq", value: 1 }] })).rejects.toBeInstanceOf(UsageError);
      await expect(store.read("fact_achats", { sort: { column: "_row", direction: "asc" } })).rejects.toBeInstanceOf(UsageError);
      await expect(store.read("fact_achats", { where: [{ column: "montant", op: "gte", value: "cheap" }] })).rejects.toBeInstanceOf(UsageError);
      await expect(store.read("fact_achats", { limit: -1 })).rejects.toBeInstanceOf(UsageError);
    });

    test("each write records its refresh metadata, replaced by the next one", async () => {
      const { store } = await fresh();
      const before = Date.now();
      const meta = await store.replaceTable("fact_achats", batchesOf(FACT, 2), "run-1");
      const after = Date.now();
      expect(meta.collection).toBe("gold_fact_achats");
      expect(meta.record_count).toBe(8);
      expect(meta.run_id).toBe("run-1");
      expect(meta.write_start).toMatch(ISO_TIMESTAMP);
      expect(meta.write_end).toMatch(ISO_TIMESTAMP);
      const start = Date.parse(meta.write_start);
      const end = Date.parse(meta.write_end);
      expect(start).toBeGreaterThanOrEqual(before);
      expect(end).toBeGreaterThanOrEqual(start);
      expect(end).toBeLessThanOrEqual(after);
      expect(meta.duration_seconds).toBe((end - start) / 1000);
      expect(await store.refreshMetadata("gold_fact_achats")).toEqual([meta]);

      const kpis = await store.replaceTable("kpis", batchesOf(KPIS_EMPTY, 1), "run-1");
      const again = await store.replaceTable("fact_achats", batchesOf(FACT.slice(0, 2), 2), "run-2");
      expect(again.record_count).toBe(2);
      expect(await store.refreshMetadata()).toEqual([again, kpis]);
      expect(await store.refreshMetadata("gold_nope")).toEqual([]);
    });

    test("an export session swaps its tables in together at commit, metadata and all", async () => {
      const { store, another } = await fresh();
      await store.replaceTable("fact_achats", batchesOf(FACT, 2), "run-1");
      await store.replaceTable("kpis", batchesOf(KPIS_EMPTY, 1), "run-1");
      const reader = await another();
      const session = await store.beginExport("run-2");
      const staged = await session.load("fact_achats", batchesOf(FACT.slice(0, 2), 2));
      expect(staged.run_id).toBe("run-2");
      await session.load("ca_par_pays", batchesOf(CA_PAR_PAYS, 2));
      // Loaded, not served: the reader still sees run-1's tables, whole, and nothing of run-2.
      expect(await reader.read("fact_achats")).toEqual({ rows: FACT, total: FACT.length });
      await expect(reader.read("ca_par_pays")).rejects.toBeInstanceOf(StoreError);
      expect((await reader.refreshMetadata()).map((m) => [m.collection, m.run_id])).toEqual([
        ["gold_fact_achats", "run-1"],
        ["gold_kpis", "run-1"],
      ]);
      const committed = await session.commit();
      expect(committed.map((m) => m.collection)).toEqual(["gold_fact_achats", "gold_ca_par_pays"]);
      expect(await reader.read("fact_achats")).toEqual({ rows: FACT.slice(0, 2), total: 2 });
      expect((await reader.read("ca_par_pays")).rows).toEqual(CA_PAR_PAYS);
      expect((await reader.refreshMetadata()).map((m) => [m.collection, m.run_id])).toEqual([
        ["gold_ca_par_pays", "run-2"],
        ["gold_fact_achats", "run-2"],
        ["gold_kpis", "run-1"],
      ]);
      expect(await reader.refreshMetadata("gold_fact_achats")).toEqual([committed[0]!]);
    });

    test("an aborted export session leaves the served tables as they were, and the next export works", async () => {
      const store = await withFact();
      const session = await store.beginExport("run-2");
      await session.load("fact_achats", batchesOf(FACT.slice(0, 1), 2));
      await session.abort();
      expect(await store.read("fact_achats")).toEqual({ rows: FACT, total: FACT.length });
      expect((await store.refreshMetadata()).map((m) => m.run_id)).toEqual(["run-1"]);
      // A session never committed (its process killed) does not stand in the next one's way.
      const killed = await store.beginExport("run-3");
      await killed.load("fact_achats", batchesOf(FACT.slice(0, 3), 2));
      await store.replaceTable("fact_achats", batchesOf(FACT.slice(1), 2), "run-4");
      expect(await store.read("fact_achats")).toEqual({ rows: FACT.slice(1), total: FACT.length - 1 });
    });

    test("an export's start drops only staging no live session owns: another's in progress stays, one begun over an hour ago goes", async () => {
      const { store, another } = await fresh();
      await store.replaceTable("fact_achats", batchesOf(FACT, 2), "run-1");
      // Another lake's export, or a second one racing it, starts and ends while this one loads.
      const loading = await store.beginExport("run-2");
      await loading.load("fact_achats", batchesOf(FACT.slice(0, 2), 2));
      await (await another()).replaceTable("kpis", batchesOf(KPIS_EMPTY, 1), "other-lake");
      await loading.commit();
      expect(await store.read("fact_achats")).toEqual({ rows: FACT.slice(0, 2), total: 2 });

      const longAgo = await another({ clock: () => Date.now() - STALE_STAGING_MS - 60_000 });
      const abandoned = await longAgo.beginExport("run-3");
      await abandoned.load("fact_achats", batchesOf(FACT, 2));
      await store.replaceTable("kpis", batchesOf(KPIS_EMPTY, 1), "run-4");
      // Its staging is gone: nothing left to swap in, and the served table is untouched.
      await expect(abandoned.commit()).rejects.toBeInstanceOf(StoreError);
      expect(await store.read("fact_achats")).toEqual({ rows: FACT.slice(0, 2), total: 2 });
      expect((await store.refreshMetadata()).map((m) => [m.collection, m.run_id])).toEqual([
        ["gold_fact_achats", "run-2"],
        ["gold_kpis", "run-4"],
      ]);
    });

    test("replacing a table with fewer rows leaves only the new rows", async () => {
      const store = await withFact();
      await store.replaceTable("fact_achats", batchesOf(FACT.slice(3), 10), "run-2");
      expect(await store.read("fact_achats")).toEqual({ rows: FACT.slice(3), total: 5 });
    });

    test("an empty table is a table: no rows, count 0, metadata recorded", async () => {
      const { store } = await fresh();
      async function* none(): AsyncIterable<Row[]> {
        yield [];
      }
      const meta = await store.replaceTable("ca_par_pays", none(), "run-1");
      expect(meta.record_count).toBe(0);
      expect(await store.read("ca_par_pays")).toEqual({ rows: [], total: 0 });
      await store.replaceTable("ca_par_pays", batchesOf(CA_PAR_PAYS, 2), "run-2");
      await store.replaceTable("ca_par_pays", batchesOf([], 2), "run-3");
      expect(await store.read("ca_par_pays")).toEqual({ rows: [], total: 0 });
    });

    test("a table never written is not_found", async () => {
      const { store } = await fresh();
      const err = await store.read("agg_mois").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe("not_found");
      expect((err as StoreError).message).toContain("gold_agg_mois");
    });

    test("a failing source leaves the previous table in place", async () => {
      const store = await withFact();
      async function* broken(): AsyncIterable<Row[]> {
        yield FACT.slice(0, 1);
        throw new Error("parquet went away");
      }
      await expect(store.replaceTable("fact_achats", broken(), "run-2")).rejects.toThrow("parquet went away");
      expect(await store.read("fact_achats")).toEqual({ rows: FACT, total: 8 });
      expect((await store.refreshMetadata("gold_fact_achats"))[0]!.run_id).toBe("run-1");
    });

    test("a reader on another connection sees the old table or the new one, never a partial or empty one", async () => {
      const { store, another } = await fresh();
      const OLD = 300;
      const NEW = 20_000;
      await store.replaceTable("fact_achats", batchesOf(factRows(OLD, "old"), 1000), "run-old");
      const reader = await another();
      const seen = new Set<string>();
      const anomalies: string[] = [];
      let reads = 0;
      let stop = false;
      const loop = (async () => {
        while (!stop) {
          try {
            const last = await reader.read("fact_achats", { limit: 1, sort: { column: "id_achat", direction: "desc" } });
            const first = await reader.read("fact_achats", { limit: 1 });
            const version = last.total === OLD ? "old" : last.total === NEW ? "new" : `total ${last.total}`;
            if (last.rows[0]?.produit !== version || last.rows[0]?.id_achat !== last.total) anomalies.push(`${version}: ${JSON.stringify(last.rows)}`);
            if (first.rows[0]?.id_achat !== 1) anomalies.push(`first row ${JSON.stringify(first.rows)}`);
            seen.add(version);
          } catch (err) {
            anomalies.push(String(err));
          }
          reads++;
          await Bun.sleep(0);
        }
      })();
      /** Waits for `more` reads; the first may have begun before the writer's last step. */
      const readerTurn = async (more = 1) => {
        const until = reads + more;
        while (reads < until) await Bun.sleep(1);
      };
      await store.replaceTable("fact_achats", batchesOf(factRows(NEW, "new"), 1000, readerTurn), "run-new");
      await readerTurn(2);
      stop = true;
      await loop;
      expect(anomalies).toEqual([]);
      expect([...seen].sort()).toEqual(["new", "old"]);
      expect(reads).toBeGreaterThan(20);
    });
  });
}
