import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { ACHAT_COLUMNS, CLIENT_COLUMNS } from "../../src/contract/sources.ts";
import { GOLD_TABLE_NAMES, type GoldTableName } from "../../src/contract/gold-tables.ts";
import type { Cell, Row } from "../../src/contract/columns.ts";
import { goldKeys } from "../../src/contract/lake.ts";
import { exportGold } from "../../src/pipeline/export.ts";
import type { ServingStore } from "../../src/serving/serving-store.ts";
import { builtLake, type BuiltLake } from "./generated-lake.ts";

/**
 * The gold tables of the suites that serve or show gold (API, serving store, dashboard), made
 * by the real pipeline from the small hand-written sources below, once per test process.
 *
 * What the sources hold, for the suites to reason from:
 * - clients 10 Alice (France), 11 Bob (España: kept as written), 12 Zoé (Germany), 13 Kenji
 *   (日本), 14 Nadia (no country); rejected: 15 (invalid_email) and a second 10 (duplicate);
 * - purchases 1…7 and 2^53−1 (the largest valid id) over January to March 2024: an orphan
 *   (4, client 99), a tie on montant (6 and 7, 19.99), a product outside the reference list
 *   (Écran, kept as written); rejected: 8 (negative_amount);
 * - so ca_par_pays (CA descending) is Germany, France, España, 日本: not the alphabetical order.
 */
export const AS_OF = "2026-11-01";

export const CLIENTS_CSV = [
  CLIENT_COLUMNS.join(","),
  "10,Alice,alice@example.fr,2023-05-01,France",
  "11,Bob,bob@example.es,2023-06-01,España",
  "12,Zoé,zoe@example.de,2023-07-01,Germany",
  "13,Kenji,kenji@example.jp,2023-08-01,日本",
  "14,Nadia,nadia@example.com,2023-09-01,",
  "15,Bad,not-an-email,2023-01-01,France",
  "10,Alice again,alice2@example.fr,2023-05-02,France",
].join("\n");

export const ACHATS_CSV = [
  ACHAT_COLUMNS.join(","),
  "1,10,2024-01-15,100,Laptop",
  "2,11,2024-01-20,50.5,Mouse",
  "3,10,2024-02-03,200,Phone",
  "4,99,2024-02-10,30,Mouse",
  "5,12,2024-03-01,1200,Laptop",
  "6,13,2024-03-01,19.99,Écran",
  "7,14,2024-03-04,19.99,Mouse",
  "8,10,2024-03-05,-5,Phone",
  "9007199254740991,13,2024-03-10,0.1,Phone",
].join("\n");

export interface GoldFixture extends BuiltLake {
  /** Every gold table's rows, in gold order, as an independent Parquet reader (hyparquet) reads them. */
  tables: Record<GoldTableName, Row[]>;
}

/** hyparquet's cells as the project's: BIGINT as number, DATE as YYYY-MM-DD, missing as null. */
const cell = (v: unknown): Cell =>
  typeof v === "bigint" ? Number(v) : v instanceof Date ? v.toISOString().slice(0, 10) : ((v ?? null) as Cell);

async function tableRows(lake: string, table: GoldTableName): Promise<Row[]> {
  const bytes = readFileSync(join(lake, "gold", goldKeys.parquet(table)));
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = await parquetReadObjects({ file });
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, cell(v)])));
}

let built: Promise<GoldFixture> | undefined;

export function goldFixture(): Promise<GoldFixture> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "elt-gold-fixture-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    const sources = join(dir, "sources");
    mkdirSync(sources);
    writeFileSync(join(sources, "clients.csv"), `${CLIENTS_CSV}\n`);
    writeFileSync(join(sources, "achats.csv"), `${ACHATS_CSV}\n`);
    const lake = await builtLake(sources, join(dir, "home"), AS_OF);
    if (lake.record.state !== "succeeded") throw new Error(`the gold fixture's run failed: ${lake.record.error}`);
    const tables = {} as Record<GoldTableName, Row[]>;
    for (const table of GOLD_TABLE_NAMES) tables[table] = await tableRows(lake.lake, table);
    return { ...lake, tables };
  })();
  return built;
}

/** The fixture's gold tables, exported into `serving` by the real export under `runId`. */
export async function exportFixture(serving: ServingStore, runId: string): Promise<void> {
  await exportGold((await goldFixture()).store, serving, runId);
}
