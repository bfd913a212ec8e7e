import { goldKeys } from "../contract/lake.ts";
import { StoreError, isNotFound } from "../core/errors.ts";
import { readParquetColumns, readParquetIndexed } from "../formats/parquet.ts";
import { Collect } from "../memory/gc-pacing.ts";
import { objectAsyncBuffer } from "./stored-parquet.ts";
import { GOLD_TABLES, GOLD_TABLE_NAMES, type GoldTableName } from "../contract/gold-tables.ts";
import { readJsonOrNull, type ObjectStore } from "../storage/object-store.ts";
import { collectionName, type RefreshMetadata, type ServingStore, type TableBatch } from "../serving/serving-store.ts";

export interface ExportOptions {
  /** Defaults to every gold table, in SPEC's order. */
  tables?: readonly GoldTableName[];
  /** Called as each table is loaded (they go live together at the end), for progress output. */
  onTable?: (meta: RefreshMetadata) => void;
  /** Aborted: the load stops at its next batch and the session is aborted (nothing swapped in). */
  signal?: AbortSignal;
  /** Told what went wrong once the tables were served and cost none of them (the session's warnings). */
  onWarning?: (message: string) => void;
}

/**
 * Copies the published gold tables (`gold/<table>.parquet`) into the serving store, one table
 * at a time and streamed a row group at a time, as columns, in one export session: the tables
 * are swapped in together at the end, so the store never serves two runs' tables at once.
 */
export async function exportGold(
  objects: ObjectStore,
  serving: ServingStore,
  runId: string,
  options: ExportOptions = {},
): Promise<RefreshMetadata[]> {
  const tables = options.tables ?? GOLD_TABLE_NAMES;
  // Every file is found before any table is replaced, so a missing one leaves the store as it was;
  // each is opened only when its turn comes, so one table at a time is in flight.
  for (const table of tables) {
    if (!(await objects.stat("gold", keyOf(table)))) throw missing(table);
  }
  const session = await serving.beginExport(runId, tables);
  const collect = new Collect(READ_ROWS_PER_COLLECTION, READ_ROWS_PER_FULL_COLLECTION);
  let metas: RefreshMetadata[];
  try {
    for (const table of tables) {
      const file = await goldFile(objects, table);
      const columns = GOLD_TABLES[table].columns;
      const read: AsyncIterable<TableBatch> = session.readsIndexed ? readParquetIndexed(file, columns) : readParquetColumns(file, columns);
      const batches = collected(options.signal ? untilAborted(read, options.signal) : read, collect);
      const meta = await session.load(table, batches);
      options.onTable?.(meta);
      if (PAUSE_MS > 0) await Bun.sleep(PAUSE_MS);
    }
    options.signal?.throwIfAborted();
    metas = await session.commit();
  } catch (err) {
    if (PAUSE_MS > 0) await Bun.sleep(PAUSE_MS);
    await session.abort();
    throw err;
  }
  // Once committed the tables are served: a warning that cannot be told fails neither them nor the export.
  for (const warning of session.warnings ?? []) {
    try {
      options.onWarning?.(warning);
    } catch {
      // The warning is lost; the session's next export finds the same state and warns again.
    }
  }
  return metas;
}

/**
 * How often the rows read are collected (memory/gc-pacing.ts): the decoded batches' garbage
 * otherwise piles up beside the index keys a big table holds, which the collector hardly
 * counts, and the peak grows with the table.
 */
const READ_ROWS_PER_COLLECTION = 100_000;
const READ_ROWS_PER_FULL_COLLECTION = 1_000_000;

async function* collected(batches: AsyncIterable<TableBatch>, collect: Collect): AsyncIterable<TableBatch> {
  for await (const batch of batches) {
    yield batch;
    collect.spent(Array.isArray(batch) ? batch.length : batch.rowCount);
  }
}

/** The batches, until the signal is aborted: then the next one throws its reason instead. */
async function* untilAborted<T>(batches: AsyncIterable<T>, signal: AbortSignal): AsyncIterable<T> {
  for await (const batch of batches) {
    signal.throwIfAborted();
    yield batch;
  }
}

/**
 * Test hook, off unless set: milliseconds to sleep after each table is loaded, so a fault test
 * can kill the process while some tables are staged and none is swapped in; and before a failed
 * or cancelled export cleans up, so a cancelled run's clean end takes at least that long.
 */
const PAUSE_MS = Number(process.env.ELT_TEST_EXPORT_PAUSE_MS ?? 0) || 0;

const keyOf = (table: GoldTableName) => goldKeys.parquet(table);

const missing = (table: GoldTableName, cause?: unknown) =>
  new StoreError("not_found", `gold/${keyOf(table)} not found: run \`elt run gold\` first`, { cause });

async function goldFile(objects: ObjectStore, table: GoldTableName) {
  try {
    return await objectAsyncBuffer(objects, "gold", keyOf(table));
  } catch (err) {
    throw isNotFound(err) ? missing(table, err) : err;
  }
}

interface ExportMark {
  gold_run: string;
  export_run: string;
}

/** Where the lake remembers what it exported to one serving target (store, database, prefix). */
function markKey(serving: ServingStore): string {
  const target = `${serving.kind}|${serving.location}|${serving.prefix}`;
  return goldKeys.exportMark(new Bun.CryptoHasher("sha256").update(target).digest("hex").slice(0, 16));
}

/**
 * True when this serving target already holds the gold of `goldRun`: the lake's mark says so
 * and every gold collection's metadata still carries that export's run id (a probe, another
 * export or a wiped store since would not).
 */
export async function alreadyExported(objects: ObjectStore, serving: ServingStore, goldRun: string): Promise<boolean> {
  const mark = await readJsonOrNull<ExportMark>(objects, "gold", markKey(serving));
  if (mark?.gold_run !== goldRun) return false;
  const served = new Map((await serving.refreshMetadata()).map((m) => [m.collection, m.run_id]));
  return GOLD_TABLE_NAMES.every((t) => served.get(collectionName(t, serving.prefix)) === mark.export_run);
}

export async function markExported(objects: ObjectStore, serving: ServingStore, goldRun: string, exportRun: string): Promise<void> {
  const mark: ExportMark = { gold_run: goldRun, export_run: exportRun };
  await objects.put("gold", markKey(serving), JSON.stringify(mark));
}
