import { cellAt, type Column } from "./columns.ts";
import type { ColumnDef, Row } from "../contract/columns.ts";

/**
 * A table whose rows come out in slices, one column each (columns.ts), so the writers can
 * stream a 10M-row table without it ever existing whole as JavaScript values.
 */
export interface SlicedTable {
  readonly columns: readonly ColumnDef[];
  readonly rowCount: number;
  /**
   * Rows [start, end) in the table's row order: one column each, in `columns` order. They may
   * be reused by the next call: a consumer is done with a slice before it asks for another.
   */
  slice(start: number, end: number): Column[];
}

/** Rows per slice a writer takes, and per Parquet row group: big enough to amortise, small enough to stream. */
export const SLICE_ROWS = 100_000;

/** Rows [start, end) as objects keyed by column name, for row-oriented consumers. */
export function rowsOf(table: SlicedTable, start: number, end: number): Row[] {
  const to = Math.min(end, table.rowCount);
  const values = table.slice(start, to);
  const rows: Row[] = [];
  for (let r = 0; r < to - start; r++) {
    const row: Row = {};
    table.columns.forEach((column, c) => (row[column.name] = cellAt(values[c]!, column.type, r)));
    rows.push(row);
  }
  return rows;
}
