/**
 * How gold tables hand their columns to the writers without a boxed Cell per value. A column
 * is one of:
 * - an array of Cells (the small tables, where convenience wins);
 * - a typed array: a Float64Array of numbers, or an Int32Array of day numbers for a date;
 * - an Indexed column: entry `index[i]` of values held once (a client's email, a product's
 *   name), or null where that index falls outside them. Strings stay UTF-8 bytes from the
 *   moment they are read to the gold files.
 * One array type per role (Int32Array indices, Float64Array numbers, Int32Array days) keeps
 * each access in the writers' loops to one kind of array, which the JIT turns into plain loads.
 */
import { isoFromDayNumber } from "../dates.ts";
import type { Cell, ColumnType } from "./tables.ts";

/** Strings as UTF-8 bytes end to end, appended and never changed: entry i is bytes[starts[i], starts[i + 1]). */
export class Utf8Values {
  /** A Buffer for its native UTF-8 write, several times faster than a loop over the characters. */
  bytes: Buffer;
  starts: Uint32Array;
  count = 0;
  /** The longest entry, in bytes: bounds what one field can take in an output buffer. */
  maxLength = 0;

  // Bytes past the last entry are never read, so they need no clearing: room reserved for 2M
  // emails stays out of memory until it is written.
  constructor(expectedCount = 16, expectedBytes = expectedCount * 16) {
    this.bytes = Buffer.allocUnsafe(Math.max(expectedBytes, 64));
    this.starts = new Uint32Array(Math.max(expectedCount, 16) + 1);
  }

  /** Appends bytes [start, end) of `from`, already UTF-8, returning their entry number. */
  pushBytes(from: Uint8Array, start: number, end: number): number {
    if (this.count + 1 === this.starts.length) this.starts = grown(this.starts, new Uint32Array(Math.ceil(this.starts.length * 1.5)));
    const at = this.starts[this.count]!;
    const length = end - start;
    if (at + length > this.bytes.length) {
      const bytes = Buffer.allocUnsafe(Math.max(Math.ceil(this.bytes.length * 1.5), at + length));
      bytes.set(this.bytes.subarray(0, at));
      this.bytes = bytes;
    }
    this.bytes.set(from.subarray(start, end), at);
    if (length > this.maxLength) this.maxLength = length;
    this.starts[++this.count] = at + length;
    return this.count - 1;
  }

  /** Forgets every entry, keeping the memory for the next ones. */
  clear(): void {
    this.count = 0;
    this.maxLength = 0;
  }

  /** Appends the UTF-8 of `s`, returning its entry number. */
  pushString(s: string): number {
    if (this.count + 1 === this.starts.length) this.starts = grown(this.starts, new Uint32Array(Math.ceil(this.starts.length * 1.5)));
    const at = this.starts[this.count]!;
    const room = s.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (at + room > this.bytes.length) {
      const bytes = Buffer.allocUnsafe(Math.max(Math.ceil(this.bytes.length * 1.5), at + room));
      bytes.set(this.bytes.subarray(0, at));
      this.bytes = bytes;
    }
    const length = this.bytes.write(s, at);
    if (length > this.maxLength) this.maxLength = length;
    this.starts[++this.count] = at + length;
    return this.count - 1;
  }

  get(i: number): string {
    return utf8Decoder.decode(this.bytes.subarray(this.starts[i]!, this.starts[i + 1]!));
  }
}

/**
 * Cell i is values[index[i]]; an index outside values (negative, or past the end) is a null.
 * Values are strings, numbers (Float64Array) or day numbers (Int32Array, for a date column).
 */
export interface Indexed {
  readonly values: Utf8Values | Float64Array | Int32Array;
  readonly index: Int32Array;
}

export type Column = ArrayLike<Cell> | Indexed;

export function isIndexed(column: Column): column is Indexed {
  return (column as Partial<Indexed>).index !== undefined;
}

/** How many values an Indexed column's indices may point at. */
export function valueCount(values: Indexed["values"]): number {
  return values instanceof Utf8Values ? values.count : values.length;
}

/** One cell as a Cell, dates as `YYYY-MM-DD`: for row-oriented consumers, not for bulk output. */
export function cellAt(column: Column, type: ColumnType, i: number): Cell {
  let v: Cell;
  if (isIndexed(column)) {
    const at = column.index[i]!;
    const { values } = column;
    if (!(at >= 0 && at < valueCount(values))) return null;
    v = values instanceof Utf8Values ? values.get(at) : values[at]!;
  } else {
    v = column[i] ?? null;
  }
  return type === "date" && typeof v === "number" ? isoFromDayNumber(v) : v;
}

/** `to`, holding a copy of `from` (as much of it as fits): a typed array resized. */
export function grown<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from.subarray(0, Math.min(from.length, to.length)) as never);
  return to;
}

/** A leading U+FEFF is part of the value here, not a byte-order mark to drop. */
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
