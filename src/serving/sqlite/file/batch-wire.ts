import type { Cell } from "../../../contract/columns.ts";
import { Utf8Values, isIndexed, type Column } from "../../../columnar/columns.ts";

/**
 * A batch of columns as it goes to the table worker: copied, since the Parquet reader reuses
 * its memory (shared memory among it) for the next row group, and the copies' buffers are
 * transferred rather than copied again.
 */

type Numbers = Float64Array | Int32Array;

type WireColumn =
  | undefined
  | { cells: ArrayLike<Cell> }
  | { index: Int32Array; numbers: Numbers }
  | { index: Int32Array; utf8: { bytes: Uint8Array; starts: Uint32Array; count: number; maxLength: number } };

export interface WireBatch {
  rowCount: number;
  columns: WireColumn[];
}

const copied = <A extends Numbers | Uint32Array>(array: A, transfer: ArrayBuffer[]): A => {
  const copy = array.slice() as A;
  transfer.push(copy.buffer as ArrayBuffer);
  return copy;
};

/** The batch as a message, and the buffers to transfer with it. */
export function toWire(rowCount: number, values: readonly (Column | undefined)[]): { batch: WireBatch; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const columns = values.map((column): WireColumn => {
    if (column === undefined) return undefined;
    if (!isIndexed(column)) {
      return column instanceof Float64Array || column instanceof Int32Array ? { cells: copied(column, transfer) } : { cells: Array.from(column) };
    }
    const index = copied(column.index, transfer);
    const { values: entries } = column;
    if (!(entries instanceof Utf8Values)) return { index, numbers: copied(entries, transfer) };
    // A Buffer's slice is a view, not a copy: copied by Uint8Array's constructor instead.
    const bytes = new Uint8Array(entries.bytes.subarray(0, entries.starts[entries.count]!));
    transfer.push(bytes.buffer);
    return {
      index,
      utf8: {
        bytes,
        starts: copied(entries.starts.subarray(0, entries.count + 1), transfer),
        count: entries.count,
        maxLength: entries.maxLength,
      },
    };
  });
  return { batch: { rowCount, columns }, transfer };
}

/** The columns a worker received. */
export function fromWire(batch: WireBatch): (Column | undefined)[] {
  return batch.columns.map((column): Column | undefined => {
    if (column === undefined) return undefined;
    if ("cells" in column) return column.cells;
    if ("numbers" in column) return { index: column.index, values: column.numbers };
    return { index: column.index, values: Utf8Values.from({ ...column.utf8, bytes: Buffer.from(column.utf8.bytes.buffer, column.utf8.bytes.byteOffset, column.utf8.bytes.byteLength) }) };
  });
}
