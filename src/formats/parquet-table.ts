import { SLICE_ROWS, type SlicedTable } from "../columnar/table.ts";
import { ParquetStreamWriter } from "./parquet-writer.ts";

/**
 * The table as a Parquet file, in pieces ready to be streamed into an object store. A piece is
 * written over once the next is asked for (a store copies what it keeps).
 */
export function* tableParquetChunks(table: SlicedTable, rowGroupRows = SLICE_ROWS): Iterable<Uint8Array> {
  const writer = new ParquetStreamWriter(table.columns, { recycle: true });
  for (let start = 0; start < table.rowCount; start += rowGroupRows) {
    const end = Math.min(start + rowGroupRows, table.rowCount);
    yield* writer.writeBatch(table.slice(start, end), end - start);
  }
  yield* writer.finish();
}
