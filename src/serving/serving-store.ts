import { z } from "zod";
import type { ColumnBatch } from "../formats/parquet.ts";
import type { GoldTableName } from "../contract/gold-tables.ts";
import type { Row } from "../contract/columns.ts";

/**
 * The seam between export/API and the database that serves gold tables. Each backend is a
 * folder (sqlite/, mongo/) declaring itself to the list in `backends.ts`; `open.ts` opens the
 * one the configuration selects.
 */

/**
 * One collection's last write, as SPEC's `_refresh_metadata` records it. Written once: the
 * stores return it, the API answers it and documents it from this schema, and the refresh
 * client and the dashboard parse it with it.
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

export interface ReadOptions {
  limit?: number;
  skip?: number;
  /** Equality or range filters on columns of the table (anything else is a UsageError). */
  where?: { column: string; op: "eq" | "gte" | "lte"; value: string | number }[];
  /** Column and direction (ties stay in gold order); absent means the gold row order. */
  sort?: { column: string; direction: "asc" | "desc" };
}

/**
 * Rows handed to `replaceTable`: objects keyed by column name, or columns as the Parquet reader
 * yields them (one array per column of the table, in GOLD_TABLES order), which spares building
 * an object per row.
 */
export type TableBatch = Row[] | ColumnBatch;

export interface ServingStore {
  /** The kind of the backend that opened it (see `backends.ts`). */
  readonly kind: string;
  /** What a user sees: the SQLite path, or the Mongo URI with its password masked. */
  readonly location: string;
  /** Prepended to a table's name to name its collection (see `collectionName`). */
  readonly prefix: string;
  /**
   * Replaces a table whole from batches of rows: readers see the old table or the new one,
   * never a partial or empty one. Records and returns the refresh metadata.
   */
  replaceTable(table: GoldTableName, batches: AsyncIterable<TableBatch>, runId: string): Promise<RefreshMetadata>;
  /**
   * Rows in gold row order (or `sort`), and the number of rows matching `where`.
   * A table never written throws StoreError "not_found".
   */
  read(table: GoldTableName, options?: ReadOptions): Promise<{ rows: Row[]; total: number }>;
  /** Refresh metadata of one collection (by its served name), or of all. */
  refreshMetadata(collection?: string): Promise<RefreshMetadata[]>;
  /** Reachable and readable; throws StoreError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** SPEC's default collection prefix; the SQLite store always uses it. */
export const DEFAULT_PREFIX = "gold_";

/** The served name of a gold table, shared by the stores, the API and the refresh probe. */
export function collectionName(table: GoldTableName, prefix: string): string {
  return prefix + table;
}
