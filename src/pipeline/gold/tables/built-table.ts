import type { SharedTableData } from "../state/shared-data.ts";
import type { SlicedTable } from "../../../columnar/table.ts";
import { GOLD_TABLES, type GoldTableName } from "../../../contract/gold-tables.ts";
import type { Cell } from "../../../contract/columns.ts";

/** A finished gold table, its rows in SPEC's order. */
export interface GoldTable extends SlicedTable {
  readonly name: GoldTableName;
  /** Where the table is read from, when that is in shared memory: a worker can rebuild it. */
  readonly shared?: SharedTableData;
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
