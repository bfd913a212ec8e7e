/**
 * A Parquet writer for flat tables, one row group per batch, one data page per column chunk,
 * no compression. Our own rather than a general-purpose writer because that
 * one spent several microseconds a cell (BigInt per id, a JavaScript snappy, statistics and
 * dictionaries probed per value) and made writing gold's fact table slower than building it;
 * here a column is one typed-array pass.
 *
 * Cells are as elsewhere (a date is `YYYY-MM-DD`), except that a date may also be given as its
 * day number, and a column may be a typed array: a caller that holds numbers skips the detour.
 *
 * Encodings: int → INT64 PLAIN, double → DOUBLE PLAIN, date → INT32 (DATE) PLAIN, string →
 * BYTE_ARRAY (UTF8) dictionary-encoded when values repeat, else PLAIN. Definition levels are
 * RLE runs. Typed arrays are written as they lie in memory: every platform Bun runs on is
 * little-endian, as Parquet is.
 */
import { dayNumber } from "../pipeline/dates.ts";
import type { Cell, ColumnType } from "../pipeline/gold/tables.ts";
import type { ParquetColumn } from "./parquet.ts";

// Parquet's Thrift enums.
const TYPE = { INT32: 1, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const REPETITION = { REQUIRED: 0, OPTIONAL: 1 } as const;
const CONVERTED = { UTF8: 0, DATE: 6 } as const;
const ENCODING = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
const PAGE = { DATA: 0, DICTIONARY: 2 } as const;
const UNCOMPRESSED = 0;

const PHYSICAL: Record<ColumnType, number> = {
  int: TYPE.INT64,
  double: TYPE.DOUBLE,
  string: TYPE.BYTE_ARRAY,
  date: TYPE.INT32,
};

const MAGIC = new TextEncoder().encode("PAR1");
const utf8 = new TextEncoder();
const TWO_32 = 4294967296;
/** Past this many distinct values in a chunk the index bit width would outgrow the packer. */
const MAX_DICTIONARY = 1 << 20;

/** A byte buffer that grows by doubling. */
class Bytes {
  buf: Uint8Array;
  length = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  u32(n: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.length;
    b[p] = n & 0xff;
    b[p + 1] = (n >>> 8) & 0xff;
    b[p + 2] = (n >>> 16) & 0xff;
    b[p + 3] = (n >>> 24) & 0xff;
    this.length = p + 4;
  }

  /** Unsigned LEB128 of a non-negative integer up to 2^53 (division, not 32-bit shifts). */
  varint(n: number): void {
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }

  append(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** UTF-8 of `s`, returning its byte length: a plain loop for ASCII, the encoder past it. */
  utf8(s: string): number {
    this.ensure(s.length * 3);
    const b = this.buf;
    const start = this.length;
    let p = start;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        p += utf8.encodeInto(s.slice(i), b.subarray(p)).written;
        break;
      }
      b[p++] = c;
    }
    this.length = p;
    return p - start;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

// ---------------------------------------------------------------------------------------------
// Thrift compact protocol: only what page headers and the footer use.

const T_I32 = 5;
const T_I64 = 6;
const T_BINARY = 8;
const T_LIST = 9;
const T_STRUCT = 12;

class Thrift {
  readonly out = new Bytes(256);
  private last = 0;

  private field(id: number, type: number): void {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) this.out.byte((delta << 4) | type);
    else {
      this.out.byte(type);
      this.zigzag(id);
    }
    this.last = id;
  }

  private zigzag(n: number): void {
    this.out.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private listHeader(type: number, size: number): void {
    if (size < 15) this.out.byte((size << 4) | type);
    else {
      this.out.byte(0xf0 | type);
      this.out.varint(size);
    }
  }

  i32(id: number, v: number): this {
    this.field(id, T_I32);
    this.zigzag(v);
    return this;
  }

  i64(id: number, v: number): this {
    this.field(id, T_I64);
    this.zigzag(v);
    return this;
  }

  binary(id: number, bytes: Uint8Array): this {
    this.field(id, T_BINARY);
    this.out.varint(bytes.length);
    this.out.append(bytes);
    return this;
  }

  string(id: number, s: string): this {
    return this.binary(id, utf8.encode(s));
  }

  struct(id: number, body: (t: this) => void): this {
    this.field(id, T_STRUCT);
    this.nested(body);
    return this;
  }

  /** The fields of a struct whose header is already written, then its stop byte. */
  nested(body: (t: this) => void): void {
    const outer = this.last;
    this.last = 0;
    body(this);
    this.out.byte(0);
    this.last = outer;
  }

  i32List(id: number, values: readonly number[]): this {
    this.field(id, T_LIST);
    this.listHeader(T_I32, values.length);
    for (const v of values) this.zigzag(v);
    return this;
  }

  stringList(id: number, values: readonly string[]): this {
    this.field(id, T_LIST);
    this.listHeader(T_BINARY, values.length);
    for (const v of values) {
      const bytes = utf8.encode(v);
      this.out.varint(bytes.length);
      this.out.append(bytes);
    }
    return this;
  }

  structList<T>(id: number, items: readonly T[], body: (t: this, item: T) => void): this {
    this.field(id, T_LIST);
    this.listHeader(T_STRUCT, items.length);
    for (const item of items) this.nested((t) => body(t, item));
    return this;
  }

  /** A top-level struct: its fields, then the stop byte. */
  static message(body: (t: Thrift) => void): Uint8Array {
    const t = new Thrift();
    t.nested(body);
    return t.out.bytes();
  }
}

// ---------------------------------------------------------------------------------------------
// Column chunks

interface ChunkMeta {
  column: ParquetColumn;
  encodings: number[];
  rows: number;
  /** Bytes of the chunk's pages, headers included. */
  size: number;
  dataPageOffset: number;
  dictionaryPageOffset?: number;
  nulls: number;
  min?: Uint8Array;
  max?: Uint8Array;
}

/** The definition levels (1 present, 0 null) as RLE runs, V1-style with their length first. */
function definitionLevels(cells: ArrayLike<Cell>, rows: number, out: Bytes): number {
  const lengthAt = out.length;
  out.u32(0);
  let nulls = 0;
  let runValue = (cells[0] ?? null) === null ? 0 : 1;
  let runLength = 0;
  for (let i = 0; i < rows; i++) {
    const present = (cells[i] ?? null) === null ? 0 : 1;
    nulls += 1 - present;
    if (present === runValue) {
      runLength++;
      continue;
    }
    out.varint(runLength * 2);
    out.byte(runValue);
    runValue = present;
    runLength = 1;
  }
  if (runLength > 0) {
    out.varint(runLength * 2);
    out.byte(runValue);
  }
  const size = out.length - lengthAt - 4;
  const b = out.buf;
  b[lengthAt] = size & 0xff;
  b[lengthAt + 1] = (size >>> 8) & 0xff;
  b[lengthAt + 2] = (size >>> 16) & 0xff;
  b[lengthAt + 3] = (size >>> 24) & 0xff;
  return nulls;
}

const asBytes = (a: Uint32Array | Int32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function int64Bytes(v: number): Uint8Array {
  const hi = Math.floor(v / TWO_32);
  return asBytes(Uint32Array.of(v - hi * TWO_32, hi));
}

interface Values {
  encoding: number;
  /** The dictionary page's PLAIN values and their count, for a dictionary-encoded chunk. */
  dictionary?: { bytes: Uint8Array; count: number };
  min?: Uint8Array;
  max?: Uint8Array;
}

/** INT64: each value split into its low word and its (signed) high word. */
function plainInts(cells: ArrayLike<Cell>, rows: number, present: number, out: Bytes): Values {
  const words = new Uint32Array(present * 2);
  let min = Infinity;
  let max = -Infinity;
  let k = 0;
  for (let i = 0; i < rows; i++) {
    const v = cells[i] ?? null;
    if (v === null) continue;
    const n = v as number;
    const hi = Math.floor(n / TWO_32);
    words[k++] = n - hi * TWO_32;
    words[k++] = hi; // a negative high word wraps to its two's complement
    if (n < min) min = n;
    if (n > max) max = n;
  }
  out.append(asBytes(words));
  return present === 0 ? { encoding: ENCODING.PLAIN } : { encoding: ENCODING.PLAIN, min: int64Bytes(min), max: int64Bytes(max) };
}

function plainDoubles(cells: ArrayLike<Cell>, rows: number, present: number, out: Bytes): Values {
  const values = new Float64Array(present);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    const v = cells[i] ?? null;
    if (v !== null) values[k++] = v as number;
  }
  out.append(asBytes(values));
  return { encoding: ENCODING.PLAIN };
}

function plainDates(cells: ArrayLike<Cell>, rows: number, present: number, out: Bytes): Values {
  const days = new Int32Array(present);
  let min = Infinity;
  let max = -Infinity;
  let k = 0;
  let previous: Cell = null;
  let day = 0;
  for (let i = 0; i < rows; i++) {
    const v = cells[i] ?? null;
    if (v === null) continue;
    if (v !== previous) {
      previous = v;
      day = typeof v === "number" ? v : dayNumber(v);
    }
    days[k++] = day;
    if (day < min) min = day;
    if (day > max) max = day;
  }
  out.append(asBytes(days));
  return present === 0
    ? { encoding: ENCODING.PLAIN }
    : { encoding: ENCODING.PLAIN, min: asBytes(Int32Array.of(min)), max: asBytes(Int32Array.of(max)) };
}

/**
 * Strings, dictionary-encoded when each distinct value comes back at least twice on average
 * (names, emails of repeat buyers, products, countries), else PLAIN: the dictionary is given up
 * as soon as it holds more than half the values.
 */
function strings(cells: ArrayLike<Cell>, rows: number, present: number, out: Bytes): Values {
  const limit = Math.min(present >> 1, MAX_DICTIONARY);
  const index = new Map<string, number>();
  const indices = new Uint32Array(present);
  let k = 0;
  // Rows of one client or one day come together: the same value again skips the lookup.
  let previous: Cell = null;
  let previousAt = 0;
  for (let i = 0; i < rows && index.size <= limit; i++) {
    const v = cells[i] ?? null;
    if (v === null) continue;
    if (v !== previous) {
      let at = index.get(v as string);
      if (at === undefined) index.set(v as string, (at = index.size));
      previous = v;
      previousAt = at;
    }
    indices[k++] = previousAt;
  }
  if (index.size > limit || present === 0) {
    plainStrings(cells, rows, out);
    return { encoding: ENCODING.PLAIN };
  }
  const dictionary = new Bytes(index.size * 16);
  for (const s of index.keys()) plainString(dictionary, s);
  packIndices(indices, index.size, out);
  return { encoding: ENCODING.RLE_DICTIONARY, dictionary: { bytes: dictionary.bytes(), count: index.size } };
}

/** PLAIN BYTE_ARRAY: a 4-byte length, then the UTF-8 bytes. */
function plainString(out: Bytes, s: string): void {
  const lengthAt = out.length;
  out.u32(0);
  const n = out.utf8(s);
  const b = out.buf;
  b[lengthAt] = n & 0xff;
  b[lengthAt + 1] = (n >>> 8) & 0xff;
  b[lengthAt + 2] = (n >>> 16) & 0xff;
  b[lengthAt + 3] = (n >>> 24) & 0xff;
}

function plainStrings(cells: ArrayLike<Cell>, rows: number, out: Bytes): void {
  for (let i = 0; i < rows; i++) {
    const v = cells[i] ?? null;
    if (v !== null) plainString(out, v as string);
  }
}

/** Dictionary indices: their bit width, then one bit-packed run (groups of 8, low bits first). */
function packIndices(indices: Uint32Array, distinct: number, out: Bytes): void {
  const width = Math.max(1, 32 - Math.clz32(distinct - 1));
  const groups = Math.ceil(indices.length / 8);
  out.byte(width);
  out.varint(groups * 2 + 1);
  out.ensure(groups * width);
  const b = out.buf;
  const start = out.length;
  b.fill(0, start, start + groups * width);
  let p = start;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < indices.length; i++) {
    // width ≤ 20 (MAX_DICTIONARY) and bits < 8 keep acc within 32 bits
    acc |= indices[i]! << bits;
    bits += width;
    while (bits >= 8) {
      b[p++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) b[p] = acc & 0xff;
  out.length = start + groups * width;
}

const ENCODE: Record<ColumnType, (cells: ArrayLike<Cell>, rows: number, present: number, out: Bytes) => Values> = {
  int: plainInts,
  double: plainDoubles,
  date: plainDates,
  string: strings,
};

function pageHeader(type: number, size: number, fields: (t: Thrift) => void): Uint8Array {
  return Thrift.message((t) => {
    t.i32(1, type).i32(2, size).i32(3, size);
    fields(t);
  });
}

/** A REQUIRED column has no definition levels: a null there is a caller's bug, refused. */
function checkRequired(column: ParquetColumn, cells: ArrayLike<Cell>, rows: number): void {
  for (let i = 0; i < rows; i++) {
    if ((cells[i] ?? null) === null) throw new Error(`parquet: column "${column.name}" is not nullable, but row ${i} is null`);
  }
}

/** One column of a row group as its pages, at `offset` in the file. */
function columnChunk(column: ParquetColumn, cells: ArrayLike<Cell>, rows: number, offset: number): { pages: Uint8Array[]; meta: ChunkMeta } {
  const body = new Bytes(rows * 9 + 64);
  let nulls = 0;
  if (column.nullable === false) checkRequired(column, cells, rows);
  else nulls = definitionLevels(cells, rows, body);
  const values = ENCODE[column.type](cells, rows, rows - nulls, body);
  const pages: Uint8Array[] = [];
  let size = 0;
  let dictionaryPageOffset: number | undefined;
  if (values.dictionary) {
    const { bytes, count } = values.dictionary;
    const header = pageHeader(PAGE.DICTIONARY, bytes.length, (t) =>
      t.struct(7, (d) => d.i32(1, count).i32(2, ENCODING.PLAIN)),
    );
    pages.push(header, bytes);
    dictionaryPageOffset = offset;
    size += header.length + bytes.length;
  }
  const data = body.bytes();
  const header = pageHeader(PAGE.DATA, data.length, (t) =>
    t.struct(5, (d) => d.i32(1, rows).i32(2, values.encoding).i32(3, ENCODING.RLE).i32(4, ENCODING.RLE)),
  );
  const dataPageOffset = offset + size;
  pages.push(header, data);
  size += header.length + data.length;
  const encodings = values.dictionary ? [ENCODING.PLAIN, ENCODING.RLE, ENCODING.RLE_DICTIONARY] : [ENCODING.PLAIN, ENCODING.RLE];
  return {
    pages,
    meta: { column, encodings, rows, size, dataPageOffset, dictionaryPageOffset, nulls, min: values.min, max: values.max },
  };
}

// ---------------------------------------------------------------------------------------------
// The file

interface RowGroupMeta {
  rows: number;
  size: number;
  chunks: ChunkMeta[];
}

function footer(columns: readonly ParquetColumn[], groups: readonly RowGroupMeta[], rows: number): Uint8Array {
  return Thrift.message((t) => {
    t.i32(1, 2);
    t.structList(2, [null, ...columns], (s, c) => {
      if (c === null) {
        s.string(4, "root").i32(5, columns.length);
        return;
      }
      s.i32(1, PHYSICAL[c.type])
        .i32(3, c.nullable === false ? REPETITION.REQUIRED : REPETITION.OPTIONAL)
        .string(4, c.name);
      if (c.type === "string") s.i32(6, CONVERTED.UTF8).struct(10, (l) => l.struct(1, () => {}));
      if (c.type === "date") s.i32(6, CONVERTED.DATE).struct(10, (l) => l.struct(6, () => {}));
    });
    t.i64(3, rows);
    t.structList(4, groups, (g, group) => {
      g.structList(1, group.chunks, (cc, chunk) => {
        cc.i64(2, chunk.dictionaryPageOffset ?? chunk.dataPageOffset);
        cc.struct(3, (m) => {
          m.i32(1, PHYSICAL[chunk.column.type])
            .i32List(2, chunk.encodings)
            .stringList(3, [chunk.column.name])
            .i32(4, UNCOMPRESSED)
            .i64(5, chunk.rows)
            .i64(6, chunk.size)
            .i64(7, chunk.size)
            .i64(9, chunk.dataPageOffset);
          if (chunk.dictionaryPageOffset !== undefined) m.i64(11, chunk.dictionaryPageOffset);
          m.struct(12, (s) => {
            s.i64(3, chunk.nulls);
            if (chunk.max && chunk.min) s.binary(5, chunk.max).binary(6, chunk.min);
          });
        });
      });
      g.i64(2, group.size).i64(3, group.rows);
    });
    t.string(6, "elt");
  });
}

/**
 * A Parquet file produced in pieces: every batch becomes one row group and its bytes are handed
 * back at once, so a caller can pipe them into an object-store put as they come.
 */
export class ParquetStreamWriter {
  #offset = 0;
  #rows = 0;
  readonly #groups: RowGroupMeta[] = [];

  constructor(readonly columns: readonly ParquetColumn[]) {}

  /** Writes rows [0, rowCount) of `values` (one array per column) as a row group. */
  writeBatch(values: readonly ArrayLike<Cell>[], rowCount: number): Uint8Array[] {
    const out = this.#start();
    if (rowCount === 0) return out;
    const chunks: ChunkMeta[] = [];
    let size = 0;
    this.columns.forEach((column, c) => {
      const { pages, meta } = columnChunk(column, values[c]!, rowCount, this.#offset);
      out.push(...pages);
      chunks.push(meta);
      this.#offset += meta.size;
      size += meta.size;
    });
    this.#groups.push({ rows: rowCount, size, chunks });
    this.#rows += rowCount;
    return out;
  }

  /** Writes the footer; the returned bytes end the file. */
  finish(): Uint8Array[] {
    const out = this.#start();
    const meta = footer(this.columns, this.#groups, this.#rows);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, meta.length, true);
    out.push(meta, length, MAGIC);
    return out;
  }

  /** The leading magic, the first time anything is written. */
  #start(): Uint8Array[] {
    if (this.#offset > 0) return [];
    this.#offset = MAGIC.length;
    return [MAGIC];
  }
}
