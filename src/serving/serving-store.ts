import { z } from "zod";
import type { GoldTableName } from "../contract/gold-tables.ts";
import type { ColumnBatch, Row } from "../contract/columns.ts";
import type { Column } from "../columnar/columns.ts";

/**
 * The seam between export/API and the database that serves gold tables. Each backend is a
 * folder (sqlite/, mongo/) declaring itself to the list in `backends.ts`; `open.ts` opens the
 * one the configuration selects.
 */

/**
 * One write of a collection, as SPEC's `_refresh_metadata` records it (one record per write;
 * the latest per collection is the current one). Written once: the stores return it, the API
 * answers it and documents it from this schema, and the refresh client and the dashboard parse
 * it with it.
 */
export const refreshMetadataSchema = z.object({
  collection: z.string(),
  // ISO 8601 timestamps (UTC).
  write_start: z.string().meta({ format: "date-time" }),
  write_end: z.string().meta({ format: "date-time" }),
  duration_seconds: z.number(),
  record_count: z.int(),
  run_id: z.string(),
});
export type RefreshMetadata = z.infer<typeof refreshMetadataSchema>;

/**
 * Writes kept per collection in `_refresh_metadata`, the latest: years of daily exports, hours
 * of one a minute. A bounded history keeps every export and every read of it as fast as the
 * first (SQLite's whole-store export copies the history into each new file).
 */
export const KEPT_WRITES = 1000;

export interface ReadOptions {
  limit?: number;
  skip?: number;
  /** Equality or range filters on columns of the table (anything else is a UsageError). */
  where?: { column: string; op: "eq" | "gte" | "lte"; value: string | number }[];
  /** Column and direction (ties stay in gold order); absent means the gold row order. */
  sort?: { column: string; direction: "asc" | "desc" };
}

/**
 * Rows handed to `load` or `replaceTable`: objects keyed by column name, or columns as the Parquet reader
 * yields them (one array per column of the table, in GOLD_TABLES order), which spares building
 * an object per row; for a session that says it `readsIndexed`, string and date columns may
 * come Indexed (UTF-8 bytes and day numbers, no string made per value).
 */
export type TableBatch = Row[] | ColumnBatch | { rowCount: number; values: Column[] };

export interface ServingStore {
  /** The kind of the backend that opened it (see `backends.ts`). */
  readonly kind: string;
  /** What a user sees: the SQLite path, or the Mongo URI with its password masked. */
  readonly location: string;
  /** Prepended to a table's name to name its collection (see `collectionName`). */
  readonly prefix: string;
  /**
   * Starts loading one run's tables; none is served until the session's `commit`. `tables`,
   * when given, are the ones the session will load: every gold table lets a backend build a
   * whole new store instead of replacing tables in the old one. Staging that
   * a killed export left behind is dropped here (writers hold the lake's lock, so no other
   * export is using it).
   */
  beginExport(runId: string, tables?: readonly GoldTableName[]): Promise<ExportSession>;
  /** One table replaced whole, as an export session of that table alone. */
  replaceTable(table: GoldTableName, batches: AsyncIterable<TableBatch>, runId: string): Promise<RefreshMetadata>;
  /**
   * Rows in gold row order (or `sort`), and the number of rows matching `where`.
   * A table never written throws StoreError "not_found".
   */
  read(table: GoldTableName, options?: ReadOptions): Promise<{ rows: Row[]; total: number }>;
  /** The latest refresh metadata of one collection (by its served name), or of each. */
  refreshMetadata(collection?: string): Promise<RefreshMetadata[]>;
  /**
   * A cheap, synchronous token that changes whenever a read may answer differently (any commit,
   * by any process, or another file). Optional: without it the API reads the metadata per
   * request to know its cached answers are current.
   */
  dataVersion?(): string;
  /** Reachable and readable; throws StoreError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One run's tables loaded aside, then swapped in together: readers see the old set of tables
 * or the new one, never a mix, and `_refresh_metadata` is written last.
 */
export interface ExportSession {
  /** True: `load` takes batches whose string and date columns are Indexed, as `readParquetIndexed` reads them. */
  readonly readsIndexed?: boolean;
  /** Loads a table aside (not served yet); answers its metadata as `commit` will record it. */
  load(table: GoldTableName, batches: AsyncIterable<TableBatch>): Promise<RefreshMetadata>;
  /** Swaps every loaded table in at once and records their metadata; answers it in load order. */
  commit(): Promise<RefreshMetadata[]>;
  /** What went wrong once the tables were served and cost none of them (a trim of the refresh history), for the run's log. */
  readonly warnings?: readonly string[];
  /** Drops what was loaded; the served tables stay as they were. Never throws. */
  abort(): Promise<void>;
}

/** The metadata of a load of `records` rows into `collection` that began at `started` and ends now. */
export function loadMetadata(collection: string, started: Date, records: number, runId: string): RefreshMetadata {
  const ended = new Date();
  return {
    collection,
    write_start: started.toISOString(),
    write_end: ended.toISOString(),
    duration_seconds: (ended.getTime() - started.getTime()) / 1000,
    record_count: records,
    run_id: runId,
  };
}

/** `replaceTable` through an export session, for every backend. */
export async function replaceInSession(
  store: ServingStore,
  table: GoldTableName,
  batches: AsyncIterable<TableBatch>,
  runId: string,
): Promise<RefreshMetadata> {
  const session = await store.beginExport(runId);
  try {
    await session.load(table, batches);
    const [meta] = await session.commit();
    return meta!;
  } catch (err) {
    await session.abort();
    throw err;
  }
}

/** SPEC's default collection prefix; the SQLite store always uses it. */
export const DEFAULT_PREFIX = "gold_";

/** The served name of a gold table, shared by the stores, the API and the refresh probe. */
export function collectionName(table: GoldTableName, prefix: string): string {
  return prefix + table;
}
