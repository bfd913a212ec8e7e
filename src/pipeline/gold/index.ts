import { EltError } from "../../errors.ts";
import { objectAsyncBuffer, readParquetColumns } from "../../formats/parquet.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import { readState, unchangedReason, writeState } from "../layer-state.ts";
import { SILVER_KEYS, silverSummary } from "../silver/index.ts";
import { SILVER_ACHAT_TYPES, SILVER_CLIENT_TYPES, type Client } from "../silver/types.ts";
import { GoldBuilder } from "./build.ts";
import { tableCsvChunks, tableParquetChunks } from "./encode.ts";
import { rowsOf, type GoldTables } from "./gold-table.ts";
import { GOLD_TABLE_NAMES, type ColumnDef, type Row } from "./tables.ts";
import { ALL_GOLD_KEYS, goldKeys, publishVersion, pruneVersions, sealVersion, versionKey } from "./versions.ts";
import { formatInt } from "../../ui/format.ts";

/**
 * Gold: SPEC's ten tables from silver, each written as Parquet and CSV. Every run's tables are
 * first stored as a sealed version (versions.ts), then copied over the latest keys, so a reader
 * of `gold/<table>.*` sees a whole old or whole new table, and `elt rollback` can bring back an
 * earlier run's tables.
 */


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
  const tables = await build(store, (await silverSummary(store))?.achats.kept ?? 0, options.progress);
  const rows: Record<string, number> = {};
  for (const name of GOLD_TABLE_NAMES) {
    const table = tables[name];
    const [parquetKey, csvKey] = goldKeys(name) as [string, string];
    options.progress(`writing ${name}`);
    await store.put("gold", versionKey(options.runId, parquetKey), asyncChunks(tableParquetChunks(table)));
    await store.put("gold", versionKey(options.runId, csvKey), asyncChunks(tableCsvChunks(table)));
    rows[name] = table.rowCount;
  }
  await sealVersion(store, options.runId, rows);
  await publishVersion(store, options.runId);
  const kpis = rowsOf(tables.kpis, 0, 1)[0]!;
  await writeState(store, "gold", {
    inputs,
    run_id: options.runId,
    published_at: new Date().toISOString(),
    outputs: ALL_GOLD_KEYS,
    summary: { rows, kpis },
  });
  await pruneVersions(store, options.runId);
  return { summary: { rows, kpis } };
}

const GC_EVERY_BYTES = 64 << 20;

/** A lazily produced body: the next chunk is encoded only when the store asks for it. */
async function* asyncChunks(chunks: Iterable<string | Uint8Array>): AsyncIterable<Uint8Array> {
  const encoder = new TextEncoder();
  let sinceCollection = 0;
  for (const chunk of chunks) {
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    yield bytes;
    // A written chunk is garbage at once, but the collector runs on heap growth and hardly counts
    // these buffers: without a nudge, 10M purchases left gigabytes of them resident.
    sinceCollection += bytes.byteLength;
    if (sinceCollection > GC_EVERY_BYTES) {
      sinceCollection = 0;
      Bun.gc(false);
    }
  }
}
