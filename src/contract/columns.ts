/**
 * The types a contract table's columns can have, shared by gold and silver tables and by every
 * reader and writer of them.
 */

/** int: an integer (ids, counts, date parts); double: an IEEE double; date: `YYYY-MM-DD`. */
export type ColumnType = "int" | "double" | "string" | "date";

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  /** false: never null (stored REQUIRED in Parquet); absent or true: may be null. */
  readonly nullable?: boolean;
}

export type Cell = string | number | null;
export type Row = Record<string, Cell>;

/** A group of rows: one array per requested column, cells typed per ColumnDef. */
export interface ColumnBatch {
  rowCount: number;
  values: ArrayLike<Cell>[];
}

/** Columns written `"name:type, name:type"`, the way SPEC lists them. */
export const columnsOf = (spec: string): ColumnDef[] =>
  spec.split(",").map((part) => {
    const [name, type] = part.trim().split(":") as [string, ColumnType];
    return { name, type };
  });
