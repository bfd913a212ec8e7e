import { csvLine } from "../../formats/csv.ts";
import { ParquetStreamWriter } from "../../formats/parquet.ts";
import type { GoldTable } from "./gold-table.ts";
import type { Cell } from "./tables.ts";

/** Rows per CSV chunk and per Parquet row group: big enough to amortise, small enough to stream. */
const CSV_BATCH_ROWS = 10_000;
const ROW_GROUP_ROWS = 100_000;

/** The table as CSV text: the header line, then the rows in batches of lines. */
export function* tableCsvChunks(table: GoldTable, batchRows = CSV_BATCH_ROWS): Iterable<string> {
  yield csvLine(table.columns.map((c) => c.name));
  const line = new Array<Cell>(table.columns.length);
  for (let start = 0; start < table.rowCount; start += batchRows) {
    const end = Math.min(start + batchRows, table.rowCount);
    const values = table.slice(start, end);
    let text = "";
    for (let r = 0; r < end - start; r++) {
      for (let c = 0; c < line.length; c++) line[c] = values[c]![r] ?? null;
      text += csvLine(line);
    }
    yield text;
  }
}

/** The table as a Parquet file, in pieces ready to be streamed into an object store. */
export function* tableParquetChunks(table: GoldTable, rowGroupRows = ROW_GROUP_ROWS): Iterable<Uint8Array> {
  const writer = new ParquetStreamWriter(table.columns);
  for (let start = 0; start < table.rowCount; start += rowGroupRows) {
    const end = Math.min(start + rowGroupRows, table.rowCount);
    yield* writer.writeBatch(table.slice(start, end), end - start);
  }
  yield* writer.finish();
}
