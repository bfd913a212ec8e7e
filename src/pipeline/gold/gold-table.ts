import type { BigTableData } from "./big-tables.ts";
import { cellAt, type Column } from "../../columnar/columns.ts";
import { GOLD_TABLES, type GoldTableName } from "../../contract/gold-tables.ts";
import type { Cell, ColumnDef, Row } from "../../contract/columns.ts";

/**
 * A finished gold table. Rows come out in slices, one column each (columns.ts), so the writers
 * can stream a 10M-row fact table without it ever existing whole as JavaScript values.
 */
export interface GoldTable {
  readonly name: GoldTableName;
  readonly columns: readonly ColumnDef[];
  readonly rowCount: number;
  /**
   * Rows [start, end) in SPEC's row order: one column each, in `columns` order. They may be
   * reused by the next call: a consumer is done with a slice before it asks for another.
   */
  slice(start: number, end: number): Column[];
  /** Where the table is read from, when that is in shared memory: a worker can rebuild it. */
  readonly shared?: BigTableData;
}

export type GoldTables = { readonly [N in GoldTableName]: GoldTable };

/** A table whose columns are already built, in `GOLD_TABLES[name].columns` order. */
export function columnTable(name: GoldTableName, values: readonly Cell[][]): GoldTable {
  return {
    name,
    columns: GOLD_TABLES[name].columns,
    rowCount: values[0]?.length ?? 0,
    slice: (start, end) => values.map((column) => column.slice(start, end)),
  };
}

/** Rows [start, end) as objects keyed by column name, for row-oriented consumers. */
export function rowsOf(table: GoldTable, start: number, end: number): Row[] {
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
