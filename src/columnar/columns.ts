/**
 * How tables (silver's, gold's) hand their columns to the writers without a boxed Cell per
 * value. A column is one of:
 * - an array of Cells (the small tables, where convenience wins);
 * - a typed array: a Float64Array of numbers, or an Int32Array of day numbers for a date;
 * - an Indexed column: entry `index[i]` of values held once (a client's email, a product's
 *   name), or null where that index falls outside them. Strings stay UTF-8 bytes from the
 *   moment they are read to the gold files.
 * One array type per role (Int32Array indices, Float64Array numbers, Int32Array days) keeps
 * each access in the writers' loops to one kind of array, which the JIT turns into plain loads.
 */
import { dayNumber, isoFromDayNumber } from "../core/dates.ts";
import type { Cell, ColumnType } from "../contract/columns.ts";

/** Strings as UTF-8 bytes end to end, appended and never changed: entry i is bytes[starts[i], starts[i + 1]). */
export class Utf8Values {
  /** A Buffer for its native UTF-8 write, several times faster than a loop over the characters. */
  bytes: Buffer;
  starts: Uint32Array;
  count = 0;
  /** The longest entry, in bytes: bounds what one field can take in an output buffer. */
  maxLength = 0;

  // Shared memory, so the CSV worker reads the entries in place; zeroed lazily, room reserved
  // for 2M emails stays out of memory until it is written.
  constructor(expectedCount = 16, expectedBytes = expectedCount * 16) {
    this.bytes = sharedBytes(Math.max(expectedBytes, 64));
    this.starts = sharedArray(Uint32Array, Math.max(expectedCount, 16) + 1);
  }

  /** The entries as another thread received them (a structured clone keeps the fields, not the class). */
  static from(fields: Pick<Utf8Values, "bytes" | "starts" | "count" | "maxLength">): Utf8Values {
    const values = new Utf8Values(0, 0);
    const { bytes } = fields;
    values.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    values.starts = fields.starts;
    values.count = fields.count;
    values.maxLength = fields.maxLength;
    return values;
  }

  /** Appends bytes [start, end) of `from`, already UTF-8, returning their entry number. */
  pushBytes(from: Uint8Array, start: number, end: number): number {
    if (this.count + 1 === this.starts.length) this.starts = grown(this.starts, Math.ceil(this.starts.length * 1.5));
    const at = this.starts[this.count]!;
    const length = end - start;
    if (at + length > this.bytes.length) {
      const bytes = sharedBytes(Math.max(Math.ceil(this.bytes.length * 1.5), at + length));
      bytes.set(this.bytes.subarray(0, at));
      this.bytes = bytes;
    }
    // A short value (a name, an email) is copied in a loop: a view per value cost more than the copy.
    const bytes = this.bytes;
    if (length <= 64) for (let i = 0; i < length; i++) bytes[at + i] = from[start + i]!;
    else bytes.set(from.subarray(start, end), at);
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
    if (this.count + 1 === this.starts.length) this.starts = grown(this.starts, Math.ceil(this.starts.length * 1.5));
    const at = this.starts[this.count]!;
    const room = s.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (at + room > this.bytes.length) {
      const bytes = sharedBytes(Math.max(Math.ceil(this.bytes.length * 1.5), at + room));
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

/**
 * Cells of a string or date column (dates as `YYYY-MM-DD`) as an Indexed column, the way
 * gold reads silver; other columns as they are.
 */
export function indexedOf(type: ColumnType, cells: ArrayLike<Cell>): Column {
  if (type !== "string" && type !== "date") return cells;
  const index = new Int32Array(cells.length);
  if (type === "string") {
    const values = new Utf8Values(cells.length);
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i] ?? null;
      index[i] = v === null ? -1 : values.pushString(String(v));
    }
    return { values, index };
  }
  const days = new Int32Array(cells.length);
  let n = 0;
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i] ?? null;
    if (v === null) index[i] = -1;
    else {
      days[n] = dayNumber(String(v));
      index[i] = n++;
    }
  }
  return { values: days.subarray(0, n), index };
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

export type NumberArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;
export type NumberArrayType<T extends NumberArray> = { new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

/**
 * A zeroed typed array in shared memory. Gold's columns live there, so a worker can encode
 * them (pipeline/gold/csv-worker.ts) while this thread does other work, without a copy of hundreds of MB.
 * The pages are zeroed lazily: room reserved and never written costs no memory.
 */
export function sharedArray<T extends NumberArray>(Type: NumberArrayType<T>, length: number): T {
  return new Type(new SharedArrayBuffer(length * Type.BYTES_PER_ELEMENT));
}

function sharedBytes(length: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(length));
}

/** A copy of `from`, of its type, resized to `size` (in shared memory). */
export function grown<T extends NumberArray>(from: T, size: number): T {
  const to = sharedArray(from.constructor as NumberArrayType<T>, size);
  to.set(from.subarray(0, Math.min(from.length, size)) as never);
  return to;
}

/** A leading U+FEFF is part of the value here, not a byte-order mark to drop. */
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
