import type { Cell, ColumnType } from "../../../contract/columns.ts";
import { Utf8Values, isIndexed, type Column } from "../../../columnar/columns.ts";
import { isoFromDayNumber } from "../../../core/dates.ts";

/**
 * SQLite's record format (https://sqlite.org/fileformat2.html#record_format), written from gold
 * columns: a header of serial types, then the values. What a prepared INSERT would store in a
 * column of that affinity: integers in the fewest bytes, reals as 8-byte doubles, text as UTF-8.
 */

/** SQLite's variable-length integer: 7 bits a byte, high bit set on all but the last; 9 bytes at most. */
export function varintLength(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let n = 4;
  for (let v = Math.floor(value / 0x10000000); v > 0 && n < 9; v = Math.floor(v / 0x80)) n++;
  return n;
}

/** Writes `value` (a non-negative safe integer: sizes, rowids) at `at`; answers the next offset. */
export function writeVarint(out: Uint8Array, at: number, value: number): number {
  if (value < 0x80) {
    out[at] = value;
    return at + 1;
  }
  if (value < 0x4000) {
    out[at] = 0x80 | (value >>> 7);
    out[at + 1] = value & 0x7f;
    return at + 2;
  }
  const n = varintLength(value);
  // Safe integers stay under 2^56, so the 9-byte form (8 bits in its last byte) never comes up.
  let v = value;
  for (let i = n - 1; i >= 0; i--) {
    out[at + i] = (v % 0x80) | (i === n - 1 ? 0 : 0x80);
    v = Math.floor(v / 0x80);
  }
  return at + n;
}

/**
 * Writes `text` as UTF-8 at `at` (room for 3 bytes a unit is there); answers its byte length.
 * Gold's text is short, where a loop beats TextEncoder's call and the view it writes into.
 */
function writeText(out: Uint8Array, at: number, text: string): number {
  const n = text.length;
  let o = at;
  for (let i = 0; i < n; i++) {
    let unit = text.charCodeAt(i);
    if (unit < 0x80) {
      out[o++] = unit;
    } else if (unit < 0x800) {
      out[o++] = 0xc0 | (unit >> 6);
      out[o++] = 0x80 | (unit & 0x3f);
    } else {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (unit >= 0xd800 && unit < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
        const point = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
        out[o++] = 0xf0 | (point >> 18);
        out[o++] = 0x80 | ((point >> 12) & 0x3f);
        out[o++] = 0x80 | ((point >> 6) & 0x3f);
        out[o++] = 0x80 | (point & 0x3f);
        i++;
        continue;
      }
      // A lone surrogate becomes U+FFFD, as TextEncoder (and so a bound parameter) makes it.
      if (unit >= 0xd800 && unit < 0xe000) unit = 0xfffd;
      out[o++] = 0xe0 | (unit >> 12);
      out[o++] = 0x80 | ((unit >> 6) & 0x3f);
      out[o++] = 0x80 | (unit & 0x3f);
    }
  }
  return o - at;
}

const ENCODER = new TextEncoder();

/** The serial type of a safe integer: 8 and 9 for 0 and 1 (no bytes), else 1 to 6 by its size. */
export function integerSerial(value: number): number {
  if (value === 0 || value === 1) return 8 + value;
  if (value >= -0x80 && value < 0x80) return 1;
  if (value >= -0x8000 && value < 0x8000) return 2;
  if (value >= -0x800000 && value < 0x800000) return 3;
  if (value >= -0x80000000 && value < 0x80000000) return 4;
  if (value >= -0x800000000000 && value < 0x800000000000) return 5;
  return 6;
}

const INTEGER_BYTES = [0, 1, 2, 3, 4, 6, 8, 0, 0, 0];

/** Writes an integer big-endian in its serial type's bytes (two's complement); answers the next offset. */
export function writeInteger(out: Uint8Array, at: number, value: number, serial: number): number {
  const n = INTEGER_BYTES[serial]!;
  if (n === 8) {
    new DataView(out.buffer, out.byteOffset).setBigInt64(at, BigInt(value));
    return at + 8;
  }
  if (n === 6) {
    const high = Math.floor(value / 0x100000000);
    out[at] = (high >> 8) & 0xff;
    out[at + 1] = high & 0xff;
    const low = value >>> 0;
    out[at + 2] = low >>> 24;
    out[at + 3] = (low >>> 16) & 0xff;
    out[at + 4] = (low >>> 8) & 0xff;
    out[at + 5] = low & 0xff;
    return at + 6;
  }
  for (let i = n - 1; i >= 0; i--) out[at + n - 1 - i] = (value >> (8 * i)) & 0xff;
  return at + n;
}

/** The bytes of a serial type's value (0 for NULL and the constants 0 and 1; text and blobs by their length). */
export function serialBytes(serial: number): number {
  return serial >= 12 ? (serial - 12) >> 1 : serial === 7 ? 8 : INTEGER_BYTES[serial]!;
}

/**
 * A column's values as one kind of record value: each row's serial type, and where its bytes
 * are (`source[starts[r]..starts[r] + lengths[r])`): numbers and strings encoded here, into
 * `bytes`; an Indexed column's UTF-8 values where the reader left them, copied once, into the
 * page.
 */
class ColumnBodies {
  bytes = new Uint8Array(1 << 12);
  serials = new Int32Array(0);
  starts = new Int32Array(0);
  lengths = new Int32Array(0);
  source: Uint8Array = this.bytes;
  private view = new DataView(this.bytes.buffer);
  /** An Indexed date column's days as `YYYY-MM-DD`, 10 bytes each, by entry. */
  private days = new Uint8Array(0);

  constructor(
    private readonly kind: "text" | "int" | "real" | "rowid",
  ) {}

  /** Encodes rows `from` to `from + rowCount`; one loop per column keeps each loop's reads of one array type. */
  encode(values: Column | undefined, from: number, rowCount: number): void {
    if (this.serials.length < rowCount) {
      this.serials = new Int32Array(rowCount);
      this.starts = new Int32Array(rowCount);
      this.lengths = new Int32Array(rowCount);
    }
    this.source = this.bytes;
    if (this.kind === "rowid" || !values) {
      this.serials.fill(0, 0, rowCount);
      this.lengths.fill(0, 0, rowCount);
      return;
    }
    if (isIndexed(values)) {
      if (values.values instanceof Utf8Values) return this.indexedTexts(values.values, values.index, from, rowCount);
      if (values.values instanceof Int32Array && this.kind === "text") return this.indexedDays(values.values, values.index, from, rowCount);
      throw new Error(`an Indexed column of ${values.values.constructor.name} for a ${this.kind} column`);
    }
    if (this.kind === "text" && Array.isArray(values)) return this.texts(values as readonly Cell[], from, rowCount);
    const { serials, starts, lengths } = this;
    let at = 0;
    for (let r = 0; r < rowCount; r++) {
      const value = values[from + r];
      starts[r] = at;
      if (value === null || value === undefined || (typeof value === "number" && Number.isNaN(value))) {
        serials[r] = 0;
      } else if (this.kind === "text" || typeof value === "string") {
        const text = typeof value === "string" ? value : String(value);
        this.ensure(at + text.length * 3);
        const written = writeText(this.bytes, at, text);
        at += written;
        serials[r] = 13 + 2 * written;
      } else if ((this.kind === "int" && Number.isSafeInteger(value)) || (this.kind === "real" && Number.isInteger(value) && Math.abs(value) < 2 ** 47)) {
        // A whole number in a REAL column is stored as an integer, as SQLite itself stores it
        // (and reads it back as a real): fewer bytes, and -0 becomes 0 as it does there.
        this.ensure(at + 8);
        at = this.integer(value === 0 ? 0 : value, r, at);
      } else {
        this.ensure(at + 8);
        this.view.setFloat64(at, value);
        at += 8;
        serials[r] = 7;
      }
      lengths[r] = at - starts[r]!;
    }
    this.source = this.bytes;
  }

  /** UTF-8 values as the Parquet reader holds them: each row points at its entry, no copy here. */
  private indexedTexts(values: Utf8Values, index: Int32Array, from: number, rowCount: number): void {
    const { serials, starts, lengths } = this;
    const entries = values.starts;
    const count = values.count;
    for (let r = 0; r < rowCount; r++) {
      const at = index[from + r]!;
      if (at >= 0 && at < count) {
        const start = entries[at]!;
        const length = entries[at + 1]! - start;
        starts[r] = start;
        lengths[r] = length;
        serials[r] = 13 + 2 * length;
      } else {
        lengths[r] = 0;
        serials[r] = 0;
      }
    }
    this.source = values.bytes;
  }

  /** Day numbers, written once per entry as `YYYY-MM-DD`; rows point at theirs. Slices come with `from` rising from 0. */
  private indexedDays(days: Int32Array, index: Int32Array, from: number, rowCount: number): void {
    // Once per batch (its first slice): the reader may reuse the same memory for the next one.
    if (from === 0) {
      if (this.days.length < days.length * 10) this.days = new Uint8Array(days.length * 20);
      for (let d = 0; d < days.length; d++) writeText(this.days, d * 10, isoFromDayNumber(days[d]!));
    }
    const { serials, starts, lengths } = this;
    for (let r = 0; r < rowCount; r++) {
      const at = index[from + r]!;
      if (at >= 0 && at < days.length) {
        starts[r] = at * 10;
        lengths[r] = 10;
        serials[r] = 33;
      } else {
        lengths[r] = 0;
        serials[r] = 0;
      }
    }
    this.source = this.days;
  }

  /**
   * A text column, encoded in one call: joined (null joins as ""), UTF-8 encoded at once, each
   * value's share found from its length, in bytes when the column is not all ASCII.
   */
  private texts(values: readonly Cell[], from: number, rowCount: number): void {
    const { serials, starts, lengths } = this;
    const joined = (from === 0 && values.length === rowCount ? values : values.slice(from, from + rowCount)).join("");
    this.ensure(joined.length * 3);
    const written = ENCODER.encodeInto(joined, this.bytes).written;
    const ascii = written === joined.length;
    let at = 0;
    for (let r = 0; r < rowCount; r++) {
      const value = values[from + r];
      starts[r] = at;
      if (value === null || value === undefined) {
        lengths[r] = 0;
        serials[r] = 0;
      } else {
        const text = typeof value === "string" ? value : String(value);
        const length = ascii ? text.length : Buffer.byteLength(text, "utf8");
        at += length;
        lengths[r] = length;
        serials[r] = 13 + 2 * length;
      }
    }
    this.source = this.bytes;
  }

  private integer(value: number, r: number, at: number): number {
    const serial = integerSerial(value);
    this.serials[r] = serial;
    return writeInteger(this.bytes, at, value, serial);
  }

  private ensure(size: number): void {
    if (size <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(size, this.bytes.length * 2));
    bigger.set(this.bytes);
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }
}

/**
 * Encodes a batch of rows, given as column arrays, as records: `encode` encodes each column on
 * its own, then `writeRows` puts rows' records together where their cells go, so the bytes
 * are copied once.
 */
export class RecordEncoder {
  /** Each row's record size, after `encode`. */
  sizes = new Int32Array(1);
  private headers = new Int32Array(1);
  /** Where each row's record is at, as `writeRows` goes through the columns. */
  private cursor = new Int32Array(1);
  private readonly columns: ColumnBodies[];

  constructor(
    types: readonly ColumnType[],
    /** The INTEGER PRIMARY KEY column, stored as NULL: the rowid holds its value. */
    rowidColumn: number,
  ) {
    this.columns = types.map((type, c) =>
      new ColumnBodies(c === rowidColumn ? "rowid" : type === "int" ? "int" : type === "double" ? "real" : "text"),
    );
  }

  /** Encodes rows `from` to `from + rowCount` of `values`; `writeRows` numbers them from 0. */
  encode(values: readonly (Column | undefined)[], from: number, rowCount: number): void {
    const { columns } = this;
    const width = columns.length;
    for (let c = 0; c < width; c++) columns[c]!.encode(values[c], from, rowCount);
    if (this.sizes.length < rowCount) {
      this.sizes = new Int32Array(rowCount);
      this.headers = new Int32Array(rowCount);
    }
    const { sizes, headers } = this;
    // A column at a time, as `writeRows` goes: headers first hold their size, sizes the bodies'.
    headers.fill(1, 0, rowCount);
    sizes.fill(0, 0, rowCount);
    for (const { serials, lengths } of columns) {
      for (let r = 0; r < rowCount; r++) {
        const serial = serials[r]!;
        headers[r] = headers[r]! + (serial < 0x80 ? 1 : varintLength(serial));
        sizes[r] = sizes[r]! + lengths[r]!;
      }
    }
    for (let r = 0; r < rowCount; r++) {
      let header = headers[r]!;
      // A header over 127 bytes takes a second byte for its own size (wide text serial types).
      if (header > 127) headers[r] = ++header;
      sizes[r] = sizes[r]! + header;
    }
  }

  /**
   * Writes the records of rows `from` to `to`, row r's at `out[at[r]..at[r] + sizes[r])`: the
   * headers, then each column's values for every row, so each loop reads one column's arrays.
   */
  writeRows(from: number, to: number, at: Int32Array, out: Uint8Array): void {
    if (from >= to) return;
    const { columns, headers } = this;
    if (this.cursor.length < this.sizes.length) this.cursor = new Int32Array(this.sizes.length);
    const { cursor } = this;
    for (let r = from; r < to; r++) cursor[r] = writeVarint(out, at[r]!, headers[r]!);
    for (const { serials } of columns) {
      for (let r = from; r < to; r++) {
        const serial = serials[r]!;
        if (serial < 0x80) {
          out[cursor[r]!] = serial;
          cursor[r]!++;
        } else {
          cursor[r] = writeVarint(out, cursor[r]!, serial);
        }
      }
    }
    for (const { source, starts, lengths } of columns) {
      for (let r = from; r < to; r++) {
        let o = cursor[r]!;
        const start = starts[r]!;
        const end = start + lengths[r]!;
        for (let i = start; i < end; i++) out[o++] = source[i]!;
        cursor[r] = o;
      }
    }
  }
}
