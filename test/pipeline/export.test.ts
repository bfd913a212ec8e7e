import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { StoreError } from "../../src/core/errors.ts";
import { ParquetStreamWriter } from "../../src/formats/parquet.ts";
import { GOLD_TABLES, GOLD_TABLE_NAMES, type GoldTableName } from "../../src/contract/gold-tables.ts";
import type { Row } from "../../src/contract/columns.ts";
import { exportGold } from "../../src/pipeline/export.ts";
import type { RefreshMetadata, ServingStore, TableBatch } from "../../src/serving/serving-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { latestMetadata } from "../../src/serving/sqlite/sqlite-metadata.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { goldFixture } from "../support/gold-fixture.ts";

/** The shared gold fixture's tables, written again here in row groups of 3 so a table spans several. */
const GOLD: Record<GoldTableName, Row[]> = (await goldFixture()).tables;

/** A Parquet file of the rows, one row group per `groupSize` rows. */
function parquetOf(table: GoldTableName, rows: readonly Row[], groupSize = 3): Uint8Array {
  const columns = GOLD_TABLES[table].columns;
  const writer = new ParquetStreamWriter(columns);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < rows.length; at += groupSize) {
    const group = rows.slice(at, at + groupSize);
    chunks.push(...writer.writeBatch(columns.map((c) => group.map((r) => r[c.name] ?? null)), group.length));
  }
  chunks.push(...writer.finish());
  return Buffer.concat(chunks);
}

let dir = "";
let objects: FolderStore;
let serving: ServingStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "elt-export-"));
  objects = new FolderStore(join(dir, "lake"));
  await objects.ensureBuckets();
  for (const table of GOLD_TABLE_NAMES) await objects.put("gold", `${table}.parquet`, parquetOf(table, GOLD[table]));
  serving = openSqliteStore(join(dir, "serving.sqlite"));
});

afterEach(async () => {
  await serving.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("exportGold", () => {
  test("loads every gold table into the serving store, in gold order, with its metadata", async () => {
    const announced: string[] = [];
    const written = await exportGold(objects, serving, "run-1", { onTable: (meta) => announced.push(meta.collection) });
    const names = GOLD_TABLE_NAMES.map((t) => `gold_${t}`);
    expect(written.map((m) => m.collection)).toEqual(names);
    expect(announced).toEqual(names);
    expect(written.map((m) => m.record_count)).toEqual(GOLD_TABLE_NAMES.map((t) => GOLD[t].length));
    expect(written.every((m) => m.run_id === "run-1")).toBe(true);
    for (const table of GOLD_TABLE_NAMES) {
      expect(await serving.read(table)).toEqual({ rows: GOLD[table], total: GOLD[table].length });
    }
    expect((await serving.refreshMetadata()).length).toBe(10);
  });

  test("hands the store the row groups as columns, for the tables asked", async () => {
    const batches: TableBatch[] = [];
    // The real store, seen through a session whose load notes each batch.
    const spy: ServingStore = Object.create(serving);
    spy.beginExport = async (runId) => {
      const session = await serving.beginExport(runId);
      return {
        load(table, given) {
          async function* noted() {
            for await (const batch of given) {
              batches.push(batch);
              yield batch;
            }
          }
          return session.load(table, noted());
        },
        commit: () => session.commit(),
        abort: () => session.abort(),
      };
    };
    const written = await exportGold(objects, spy, "run-2", { tables: ["fact_achats"] });
    expect(written.map((m: RefreshMetadata) => [m.collection, m.record_count])).toEqual([["gold_fact_achats", 8]]);
    // Row groups of 3, 3 and 2 rows, one array per column.
    const columns = GOLD_TABLES.fact_achats.columns;
    expect(batches.map((b) => (Array.isArray(b) ? "rows" : [b.rowCount, b.values.length]))).toEqual([
      [3, columns.length],
      [3, columns.length],
      [2, columns.length],
    ]);
    expect((await serving.read("fact_achats")).rows).toEqual(GOLD.fact_achats);
  });

  test("what a session warns of once the tables are served is passed on, after the commit", async () => {
    const order: string[] = [];
    const spy: ServingStore = Object.create(serving);
    spy.beginExport = async (runId, tables) => {
      const session = await serving.beginExport(runId, tables);
      return {
        load: (table, given) => session.load(table, given),
        commit: async () => (order.push("commit"), session.commit()),
        abort: async () => (order.push("abort"), session.abort()),
        warnings: ["the refresh history was not trimmed"],
      };
    };
    await exportGold(objects, spy, "run-3", { tables: ["kpis"], onWarning: (w) => order.push(w) });
    expect(order).toEqual(["commit", "the refresh history was not trimmed"]);
    // A warning that cannot be told fails neither the committed session nor the export.
    order.length = 0;
    const told = await exportGold(objects, spy, "run-4", {
      tables: ["kpis"],
      onWarning: () => {
        throw new Error("the log is gone");
      },
    });
    expect(told.map((m) => m.run_id)).toEqual(["run-4"]);
    expect(order).toEqual(["commit"]);
  });

  test("the tables go live together at the end: until then a reader sees the previous run's, all of them", async () => {
    await exportGold(objects, serving, "run-1");
    await objects.put("gold", "kpis.parquet", parquetOf("kpis", [{ ...GOLD.kpis[0]!, nb_achats_total: 6 }]));
    // Another connection, read synchronously as each table is loaded.
    const reader = new Database(join(dir, "serving.sqlite"), { readonly: true });
    const seen: { runs: string[]; orders: number }[] = [];
    try {
      await exportGold(objects, serving, "run-2", {
        onTable: () => {
          const runs = latestMetadata(reader).map((m) => m.run_id);
          const kpis = reader.query<{ n: number }, []>("SELECT nb_achats_total AS n FROM gold_kpis").get()!;
          seen.push({ runs, orders: kpis.n });
        },
      });
      expect(seen).toEqual(Array(10).fill({ runs: Array(10).fill("run-1"), orders: GOLD.kpis[0]!.nb_achats_total }));
      // A whole export is a new file: a connection opened before it keeps the old one, whole,
      // and one opened after it (as elt's readers reopen) sees the new one.
      expect(latestMetadata(reader).map((m) => m.run_id)).toEqual(Array(10).fill("run-1"));
      const after = new Database(join(dir, "serving.sqlite"), { readonly: true });
      try {
        expect(latestMetadata(after).map((m) => m.run_id)).toEqual(Array(10).fill("run-2"));
        expect(after.query("SELECT nb_achats_total AS n FROM gold_kpis").get()).toEqual({ n: 6 });
      } finally {
        after.close();
      }
      expect((await serving.read("kpis")).rows[0]!.nb_achats_total).toBe(6);
    } finally {
      reader.close();
    }
  });

  test("a table that fails to load leaves the previous run's tables served, whole, and no staging behind", async () => {
    await exportGold(objects, serving, "run-1");
    await objects.put("gold", "fact_achats.parquet", parquetOf("fact_achats", [...GOLD.fact_achats].reverse()));
    const err = await exportGold(objects, serving, "run-2").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toStartWith("id_achat must rise strictly in gold order");
    expect((await serving.refreshMetadata()).map((m) => m.run_id)).toEqual(Array(10).fill("run-1"));
    for (const table of GOLD_TABLE_NAMES) expect((await serving.read(table)).rows).toEqual(GOLD[table]);
    const raw = new Database(join(dir, "serving.sqlite"), { readonly: true });
    try {
      const names = raw.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
      expect(names.map((n) => n.name)).toEqual([...GOLD_TABLE_NAMES.map((t) => `gold_${t}`), "_refresh_metadata"].sort());
    } finally {
      raw.close();
    }
    // The failed export's new file went with it: only the served one is left.
    const served = basename(readlinkSync(join(dir, "serving.sqlite")));
    expect(readdirSync(join(dir, "serving.sqlite.d")).filter((n) => n.endsWith(".sqlite"))).toEqual([served]);
  });

  test("a missing gold table stops the export before any table is replaced", async () => {
    await exportGold(objects, serving, "run-1");
    await objects.delete("gold", "agg_mois.parquet");
    const err = await exportGold(objects, serving, "run-2").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe("not_found");
    expect((err as StoreError).message).toBe("gold/agg_mois.parquet not found: run `elt run gold` first");
    expect((await serving.refreshMetadata()).map((m) => m.run_id)).toEqual(Array(10).fill("run-1"));
  });
});
