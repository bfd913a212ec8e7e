import { afterAll, beforeAll, expect, test } from "bun:test";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { join } from "node:path";
import { objectAsyncBuffer, readParquetRows } from "../../src/formats/parquet.ts";
import { isoFromDayNumber } from "../../src/pipeline/dates.ts";
import { GOLD_TABLES, GOLD_TABLE_NAMES, type Cell, type Row } from "../../src/pipeline/gold/tables.ts";
import { SILVER_ACHAT_TYPES, SILVER_CLIENT_TYPES } from "../../src/pipeline/silver/types.ts";
import type { FolderStore } from "../../src/storage/folder.ts";
import { generatedLake, type GeneratedLake } from "../support/generated-lake.ts";

/**
 * Our Parquet files are read by the tools data engineers use: DuckDB, an independent reader,
 * must see every silver and gold table with the types SPEC implies and the very same values.
 */

let generated: GeneratedLake;
let lake: string;
let store: FolderStore;
let duck: DuckDBConnection;

beforeAll(async () => {
  generated = await generatedLake({ clients: 300, avgPurchases: 5, seed: 11, asOf: "2026-06-30", dirtyRate: 0.02 });
  ({ lake, store } = generated);
  expect(generated.record.state).toBe("succeeded");
  duck = await (await DuckDBInstance.create(":memory:")).connect();
}, 60_000);
afterAll(() => generated.dispose());

/** DuckDB's values as our Cells: BIGINT to number, DATE to YYYY-MM-DD. */
function cell(v: unknown): Cell {
  if (v === null) return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "object" && v !== null && "days" in v) return isoFromDayNumber((v as { days: number }).days);
  return v as Cell;
}

async function both(bucket: "silver" | "gold", key: string, columns: typeof SILVER_CLIENT_TYPES) {
  const ours: Row[] = [];
  for await (const batch of readParquetRows(await objectAsyncBuffer(store, bucket, key), columns)) ours.push(...batch);
  const result = await duck.runAndReadAll(`SELECT * FROM read_parquet('${join(lake, bucket, key)}')`);
  const types = Object.fromEntries(result.columnNames().map((n, i) => [n, result.columnTypes()[i]!.toString()]));
  const theirs = result.getRowObjects().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cell(v)])));
  return { ours, theirs, types };
}

const DUCK_TYPE = { int: "BIGINT", double: "DOUBLE", string: "VARCHAR", date: "DATE" } as const;

test.each(GOLD_TABLE_NAMES)("gold %s reads the same in DuckDB, with SPEC's column types", async (name) => {
  const columns = GOLD_TABLES[name].columns;
  const { ours, theirs, types } = await both("gold", `${name}.parquet`, columns);
  expect(types).toEqual(Object.fromEntries(columns.map((c) => [c.name, DUCK_TYPE[c.type]])));
  expect(theirs).toEqual(ours);
  expect(ours.length).toBeGreaterThan(0);
});

test.each([
  ["clients.parquet", SILVER_CLIENT_TYPES],
  ["achats.parquet", SILVER_ACHAT_TYPES],
] as const)("silver %s reads the same in DuckDB", async (key, columns) => {
  const { ours, theirs } = await both("silver", key, columns);
  expect(theirs).toEqual(ours);
  expect(ours.length).toBeGreaterThan(100);
});
