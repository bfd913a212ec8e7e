import { afterAll, beforeAll, expect, test } from "bun:test";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { join } from "node:path";
import { parquetMetadata } from "hyparquet";
import { readParquetRows } from "../../src/formats/parquet.ts";
import { objectAsyncBuffer } from "../../src/pipeline/stored-parquet.ts";
import { isFlatFile } from "../../src/formats/parquet-flat.ts";
import { isoFromDayNumber } from "../../src/core/dates.ts";
import { GOLD_TABLES, GOLD_TABLE_NAMES } from "../../src/contract/gold-tables.ts";
import type { Cell, ColumnDef, Row } from "../../src/contract/columns.ts";
import { SILVER_ACHAT_TYPES, SILVER_CLIENT_TYPES } from "../../src/contract/silver-tables.ts";
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

/**
 * Files from another writer, in the layouts parquet-flat.ts reads itself (plain and dictionary
 * pages, uncompressed or Snappy) and in those it leaves to hyparquet (V2's delta encodings):
 * every type, nulls, extreme ids, dates before 1970, repeated and non-ASCII strings.
 */
const SAMPLE = `SELECT
  CASE i WHEN 1 THEN 9007199254740991 WHEN 2 THEN -9007199254740991 ELSE i END::BIGINT AS id,
  CASE WHEN i % 7 = 0 THEN NULL ELSE (i - 1000) / 3.0 END::DOUBLE AS amount,
  CASE WHEN i % 11 = 0 THEN NULL WHEN i % 2 = 0 THEN 'prod ' || (i % 13) ELSE 'Zoë ' || i END AS label,
  CASE WHEN i % 5 = 0 THEN NULL ELSE DATE '1969-12-01' + (i % 400)::INTEGER END AS day,
  CASE WHEN i % 9 = 0 THEN NULL ELSE ['ab', 'cd', 'é'][i % 3 + 1] END AS kind
  FROM range(250000) t(i)`;
const SAMPLE_COLUMNS: ColumnDef[] = [
  { name: "id", type: "int" },
  { name: "amount", type: "double" },
  { name: "label", type: "string" },
  { name: "day", type: "date" },
  { name: "kind", type: "string" },
];

test.each([
  ["uncompressed", "COMPRESSION 'uncompressed'", true],
  ["Snappy", "COMPRESSION 'snappy'", true],
  ["V2 encodings", "COMPRESSION 'uncompressed', PARQUET_VERSION 'V2'", false],
] as const)("a file DuckDB writes (%s) reads as DuckDB reads it", async (name, options, fastPath) => {
  const path = join(lake, `duckdb-${name}.parquet`);
  await duck.run(`COPY (${SAMPLE}) TO '${path}' (FORMAT parquet, ${options}, ROW_GROUP_SIZE 100000)`);
  const bytes = new Uint8Array(await Bun.file(path).arrayBuffer());
  expect(isFlatFile(parquetMetadata(bytes.buffer))).toBe(fastPath);
  const ours: Row[] = [];
  for await (const batch of readParquetRows(bytes, SAMPLE_COLUMNS)) ours.push(...batch);
  const result = await duck.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
  const theirs = result.getRowObjects().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cell(v)])));
  expect(ours.length).toBe(250_000);
  expect(ours).toEqual(theirs);
}, 30_000);
