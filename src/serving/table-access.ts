import { StoreError, UsageError } from "../core/errors.ts";
import { GOLD_TABLES, type GoldTableName } from "../contract/gold-tables.ts";
import type { Cell, ColumnBatch, ColumnDef } from "../contract/columns.ts";
import type { ReadOptions, TableBatch } from "./serving-store.ts";
import { cellAt, isIndexed } from "../columnar/columns.ts";

/**
 * What every backend does the same way around a gold table, written once: batches as columns,
 * the columns worth an index, reads checked against the table, and the answer for a table
 * never written.
 */

/** A batch as columns of cells, in the table's column order, a missing cell read as null. */
export function columnsOf(batch: TableBatch, columns: readonly ColumnDef[]): ColumnBatch {
  if (Array.isArray(batch)) return { rowCount: batch.length, values: columns.map((c) => batch.map((row) => row[c.name] ?? null)) };
  const { rowCount, values } = batch;
  if (!values.some(isIndexed)) return batch as ColumnBatch;
  return {
    rowCount,
    values: values.map((column, c) => (isIndexed(column) ? Array.from({ length: rowCount }, (_, i) => cellAt(column, columns[c]!.type, i)) : column)),
  };
}

/**
 * The indexes every backend builds, as lists of columns: id_achat (SQLite's rowid, so free
 * there), id_client, whose filter finds a handful of rows among millions, and the dashboard's
 * and the API's usual filter, a country, a product and a date range, which without an index
 * reads the whole table (about 0.15 s for 1M rows; with it, milliseconds). A filter on a
 * later column alone (a product, dates) still reads the table: an index per column cost every
 * export 0.4 to 0.5 s apiece when SQLite built them.
 */
export const INDEXES: Partial<Record<GoldTableName, readonly (readonly string[])[]>> = {
  fact_achats: [["id_achat"], ["id_client"], ["pays", "produit", "date_achat"]],
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

/** A table the store has never been given: the API's 404, and what to do about it. */
export function notServedYet(collection: string, options?: { cause?: unknown }): StoreError {
  return new StoreError("not_found", `${collection} is not in the serving store yet: run \`elt run --all\` first`, options);
}
