import { UsageError } from "../errors.ts";
import type { ColumnBatch } from "../formats/parquet.ts";
import { GOLD_TABLES, type GoldTableName } from "../contract/gold-tables.ts";
import type { Cell, ColumnDef, Row } from "../contract/columns.ts";

/**
 * The seam between export/API and the database that serves gold tables. Each backend is one
 * file (sqlite.ts, mongo.ts); `open.ts` picks one from the configuration.
 */

/** One collection's last write, as SPEC's `_refresh_metadata` records it. */
export interface RefreshMetadata {
  collection: string;
  /** ISO 8601 timestamps (UTC). */
  write_start: string;
  write_end: string;
  duration_seconds: number;
  record_count: number;
  run_id: string;
}

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

/** A batch as columns, in the table's column order, a missing cell read as null. */
export function columnsOf(batch: TableBatch, columns: readonly ColumnDef[]): ColumnBatch {
  if (!Array.isArray(batch)) return batch;
  return { rowCount: batch.length, values: columns.map((c) => batch.map((row) => row[c.name] ?? null)) };
}

export interface ServingStore {
  readonly kind: "sqlite" | "mongo";
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

/**
 * What the API filters or sorts on that is worth an index in every backend: id_achat (SQLite's
 * rowid, so free there) and id_client, whose filter finds a handful of rows among millions.
 * A filter on date_achat, pays or produit reads the table instead (about 0.1 s for 1M rows):
 * their indexes hardly sped up pays and produit (a tenth of the rows each) and cost every
 * export 0.4 to 0.5 s apiece to build.
 */
export const INDEXED_COLUMNS: Partial<Record<GoldTableName, readonly string[]>> = {
  fact_achats: ["id_achat", "id_client"],
};

export interface CheckedRead {
  limit?: number;
  skip: number;
  where: { column: string; op: "eq" | "gte" | "lte"; value: Cell }[];
  sort?: { column: string; direction: "asc" | "desc" };
}

/**
 * ReadOptions checked against the table's columns, with filter values typed like the column,
 * so backends only ever put known column names into a query and compare like with like.
 */
export function checkRead(table: GoldTableName, options: ReadOptions = {}): CheckedRead {
  const columns: readonly ColumnDef[] = GOLD_TABLES[table].columns;
  const columnOf = (name: string): ColumnDef => {
    const column = columns.find((c) => c.name === name);
    if (!column) throw new UsageError(`${table} has no column ${name} (columns: ${columns.map((c) => c.name).join(", ")})`);
    return column;
  };
  const count = (what: string, value: number | undefined): number | undefined => {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new UsageError(`${what} must be a non-negative integer, got ${value}`);
    }
    return value;
  };
  const where = (options.where ?? []).map(({ column, op, value }) => {
    const def = columnOf(column);
    if (def.type === "string" || def.type === "date") return { column, op, value: String(value) };
    const number = typeof value === "number" ? value : value.trim() === "" ? Number.NaN : Number(value);
    if (!Number.isFinite(number)) throw new UsageError(`${column} is a number, got ${JSON.stringify(value)}`);
    return { column, op, value: number };
  });
  if (options.sort) columnOf(options.sort.column);
  return { limit: count("limit", options.limit), skip: count("skip", options.skip) ?? 0, where, sort: options.sort };
}
