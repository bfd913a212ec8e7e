import { indexedOf, type Column } from "../../../src/columnar/columns.ts";
import type { Cell, ColumnDef } from "../../../src/contract/columns.ts";
import { SILVER_ACHAT_TYPES, SILVER_CLIENT_TYPES } from "../../../src/contract/silver-tables.ts";
import type { Achat, Client } from "../../../src/contract/sources.ts";
import { GoldAccumulator } from "../../../src/pipeline/gold/state/accumulate.ts";
import type { GoldState } from "../../../src/pipeline/gold/state/gold-state.ts";
import type { GoldTables } from "../../../src/pipeline/gold/tables/built-table.ts";
import { goldTables } from "../../../src/pipeline/gold/tables/index.ts";

/**
 * Rows as the column batches readParquetIndexed yields from silver's files: REQUIRED numbers
 * as a Float64Array, strings and dates as Indexed columns, `batchRows` rows a batch.
 */
export function* silverBatches(rows: readonly object[], types: readonly ColumnDef[], batchRows = 3): Iterable<{ rowCount: number; values: Column[] }> {
  for (let at = 0; at < rows.length; at += batchRows) {
    const batch = rows.slice(at, at + batchRows) as Record<string, Cell>[];
    const values = types.map(({ name, type }): Column => {
      const cells = batch.map((row) => row[name] ?? null);
      return type === "string" || type === "date" ? indexedOf(type, cells) : Float64Array.from(cells as number[]);
    });
    yield { rowCount: batch.length, values };
  }
}

/** Gold's state from silver's clients and purchases, fed in column batches as runGold feeds it. */
export function goldStateOf(clients: readonly Client[], achats: readonly Achat[], batchRows = 3): GoldState {
  const accumulator = new GoldAccumulator();
  for (const { rowCount, values } of silverBatches(clients, SILVER_CLIENT_TYPES, batchRows)) accumulator.addClientColumns(values, rowCount);
  for (const { rowCount, values } of silverBatches(achats, SILVER_ACHAT_TYPES, batchRows)) accumulator.addPurchaseColumns(values, rowCount);
  return accumulator.finish();
}

export const goldOf = (clients: readonly Client[], achats: readonly Achat[], batchRows = 3): GoldTables =>
  goldTables(goldStateOf(clients, achats, batchRows));
