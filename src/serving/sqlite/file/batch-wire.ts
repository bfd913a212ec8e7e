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

/** A buffer of at least `bytes` bytes to copy into: a spare one the worker sent back, or a new one. */
export type TakeBuffer = (bytes: number) => ArrayBuffer;

const fresh: TakeBuffer = (bytes) => new ArrayBuffer(bytes);

type ArrayOf<A> = new (buffer: ArrayBuffer, offset: number, length: number) => A;

/** The batch as a message, and the buffers to transfer with it. */
export function toWire(rowCount: number, values: readonly (Column | undefined)[], take: TakeBuffer = fresh): { batch: WireBatch; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const copied = <A extends Numbers | Uint32Array | Uint8Array>(array: A): A => {
    const buffer = take(array.byteLength);
    const copy = new (array.constructor as ArrayOf<A>)(buffer, 0, array.length);
    copy.set(array as never);
    transfer.push(buffer);
    return copy;
  };
  const columns = values.map((column): WireColumn => {
    if (column === undefined) return undefined;
    if (!isIndexed(column)) {
      return column instanceof Float64Array || column instanceof Int32Array ? { cells: copied(column) } : { cells: Array.from(column) };
    }
    const index = copied(column.index);
    const { values: entries } = column;
    if (!(entries instanceof Utf8Values)) return { index, numbers: copied(entries) };
    // Into a plain Uint8Array: a Buffer's views share the reader's memory.
    const bytes = copied(new Uint8Array(entries.bytes.buffer, entries.bytes.byteOffset, entries.starts[entries.count]!));
    return {
      index,
      utf8: {
        bytes,
        starts: copied(entries.starts.subarray(0, entries.count + 1)),
        count: entries.count,
        maxLength: entries.maxLength,
      },
    };
  });
  return { batch: { rowCount, columns }, transfer };
}

/** The buffers a batch came in, once written: sent back to be copied into again. */
export function wireBuffers(batch: WireBatch): ArrayBuffer[] {
  return batch.columns.flatMap((column) => {
    if (column === undefined) return [];
    if ("cells" in column) return ArrayBuffer.isView(column.cells) ? [column.cells.buffer as ArrayBuffer] : [];
    if ("numbers" in column) return [column.index.buffer as ArrayBuffer, column.numbers.buffer as ArrayBuffer];
    return [column.index.buffer as ArrayBuffer, column.utf8.bytes.buffer as ArrayBuffer, column.utf8.starts.buffer as ArrayBuffer];
  });
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
