import { csvField, csvLine } from "../../formats/csv.ts";
import { ParquetStreamWriter } from "../../formats/parquet.ts";
import type { GoldTable } from "./gold-table.ts";
import type { Cell } from "./tables.ts";

/** Rows per CSV chunk and per Parquet row group: big enough to amortise, small enough to stream. */
const CSV_BATCH_ROWS = 10_000;
const ROW_GROUP_ROWS = 100_000;

/**
 * The table as CSV text: the header line, then the rows in batches of lines. A batch is joined
 * once (flat text the encoder copies fast, where `+=` per line built a deep rope), and a cell
 * equal to the one above it reuses its text: a client's or a day's rows repeat most cells.
 */
export function* tableCsvChunks(table: GoldTable, batchRows = CSV_BATCH_ROWS): Iterable<string> {
  yield csvLine(table.columns.map((c) => c.name));
  const width = table.columns.length;
  const above = new Array<Cell | undefined>(width).fill(undefined);
  const aboveText = new Array<string>(width).fill("");
  for (let start = 0; start < table.rowCount; start += batchRows) {
    const end = Math.min(start + batchRows, table.rowCount);
    const values = table.slice(start, end);
    const lines = new Array<string>(end - start + 1);
    for (let r = 0; r < end - start; r++) {
      let line = "";
      for (let c = 0; c < width; c++) {
        const v = values[c]![r] ?? null;
        if (v !== above[c]) {
          above[c] = v;
          aboveText[c] = csvField(v);
        }
        line = c === 0 ? aboveText[c]! : line + "," + aboveText[c]!;
      }
      // As csvLine: a lone empty field would be a blank line, which readers skip.
      lines[r] = line === "" && width === 1 ? '""' : line;
    }
    lines[end - start] = "";
    yield lines.join("\n");
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
