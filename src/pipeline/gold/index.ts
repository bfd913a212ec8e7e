import { EltError } from "../../errors.ts";
import { objectAsyncBuffer, readParquetColumns } from "../../formats/parquet.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import { listAll } from "../../storage/object-store.ts";
import { readState, unchangedReason, writeState } from "../layer-state.ts";
import { SILVER_KEYS } from "../silver/index.ts";
import { SILVER_ACHAT_TYPES, SILVER_CLIENT_TYPES, type Client } from "../silver/types.ts";
import { GoldBuilder } from "./build.ts";
import { tableCsvChunks, tableParquetChunks } from "./encode.ts";
import { rowsOf, type GoldTables } from "./gold-table.ts";
import { GOLD_TABLE_NAMES, type ColumnDef, type Row } from "./tables.ts";
import { formatInt } from "../../ui/format.ts";

/**
 * Gold: SPEC's ten tables from silver, each written as Parquet and CSV. Every run's tables are
 * first stored under `_versions/<run>/`, then copied over the latest keys, so a reader of
 * `gold/<table>.*` sees a whole old or whole new table, and `elt rollback` can bring back any
 * earlier run's tables.
 */

export const goldKeys = (table: string) => [`${table}.parquet`, `${table}.csv`];
const versionKey = (runId: string, key: string) => `_versions/${runId}/${key}`;

export interface GoldOptions {
  runId: string;
  force: boolean;
  progress: (text: string) => void;
}

export type GoldOutcome = { skipped: string } | { summary: { rows: Record<string, number>; kpis: Row } };

async function* readSilver(store: ObjectStore, key: string, columns: ColumnDef[]) {
  if (!(await store.stat("silver", key))) {
    throw new EltError(`silver/${key} not found: run \`elt run silver\` first`);
  }
  yield* readParquetColumns(await objectAsyncBuffer(store, "silver", key), columns);
}

async function build(store: ObjectStore, expectedPurchases: number, progress: (text: string) => void): Promise<GoldTables> {
  const clients: Client[] = [];
  for await (const { rowCount, values } of readSilver(store, SILVER_KEYS.clients, SILVER_CLIENT_TYPES)) {
    const [id, nom, email, date, pays] = values as [number[], string[], string[], string[], (string | null)[]];
    for (let i = 0; i < rowCount; i++) {
      clients.push({ id_client: id[i]!, nom: nom[i]!, email: email[i]!, date_inscription: date[i]!, pays: pays[i] ?? null });
    }
  }
  const builder = new GoldBuilder(clients, expectedPurchases);
  let n = 0;
  for await (const { rowCount, values } of readSilver(store, SILVER_KEYS.achats, SILVER_ACHAT_TYPES)) {
    builder.addColumns(values, rowCount);
    n += rowCount;
    progress(`${formatInt(n)} purchases`);
  }
  return builder.finish();
}

export async function runGold(store: ObjectStore, options: GoldOptions): Promise<GoldOutcome> {
  const silver = await readState(store, "silver");
  if (!silver) throw new EltError("no silver tables yet: run `elt run silver` first");
  const inputs = { silver_run: silver.run_id, silver_published_at: silver.published_at };
  if (!options.force) {
    const reason = await unchangedReason(store, "gold", inputs);
    if (reason) return { skipped: reason };
  }
  const kept = (silver.summary as { achats?: { kept?: number } }).achats?.kept ?? 0;
  const tables = await build(store, kept, options.progress);
  const rows: Record<string, number> = {};
  for (const name of GOLD_TABLE_NAMES) {
    const table = tables[name];
    const [parquetKey, csvKey] = goldKeys(name) as [string, string];
    options.progress(`writing ${name}`);
    await store.put("gold", versionKey(options.runId, parquetKey), asyncChunks(tableParquetChunks(table)));
    await store.put("gold", versionKey(options.runId, csvKey), asyncChunks(tableCsvChunks(table)));
    rows[name] = table.rowCount;
  }
  await publishVersion(store, options.runId);
  const kpis = rowsOf(tables.kpis, 0, 1)[0]!;
  await writeState(store, "gold", {
    inputs,
    run_id: options.runId,
    published_at: new Date().toISOString(),
    outputs: GOLD_TABLE_NAMES.flatMap(goldKeys),
    summary: { rows, kpis },
  });
  return { summary: { rows, kpis } };
}

/** A lazily produced body: the next chunk is encoded only when the store asks for it. */
async function* asyncChunks(chunks: Iterable<string | Uint8Array>): AsyncIterable<Uint8Array> {
  const encoder = new TextEncoder();
  for (const chunk of chunks) yield typeof chunk === "string" ? encoder.encode(chunk) : chunk;
}

/** Copies a run's stored version over the latest keys. */
export async function publishVersion(store: ObjectStore, runId: string): Promise<void> {
  for (const name of GOLD_TABLE_NAMES) {
    for (const key of goldKeys(name)) await store.copy("gold", versionKey(runId, key), "gold", key);
  }
}

/** Runs whose gold tables are kept, newest first. */
export async function goldVersions(store: ObjectStore): Promise<string[]> {
  const runs = new Set<string>();
  for await (const info of listAll(store, "gold", "_versions/")) runs.add(info.key.split("/")[1]!);
  return [...runs].sort().reverse();
}
