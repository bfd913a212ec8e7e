/**
 * A Parquet writer for flat tables, one row group per batch, one data page per column chunk,
 * no compression. Our own rather than a general-purpose writer because that
 * one spent several microseconds a cell (BigInt per id, a JavaScript snappy, statistics and
 * dictionaries probed per value) and made writing gold's fact table slower than building it;
 * here a column is one typed-array pass.
 *
 * A column is given as gold's columns.ts describes: Cells (a date `YYYY-MM-DD` or its day
 * number), a typed array of numbers (day numbers for a date), or an Indexed column whose
 * values are held once; a caller that holds numbers or UTF-8 bytes skips the detour.
 *
 * Types: int → INT64, double → DOUBLE, date → INT32 (DATE), string → BYTE_ARRAY (UTF8).
 * Values are PLAIN, or dictionary-encoded when they repeat (strings, and Indexed columns of any
 * type); definition levels are RLE runs. Typed arrays are written as they lie in memory: every
 * platform Bun runs on is little-endian, as Parquet is.
 */
import { dayNumber } from "../core/dates.ts";
import { isIndexed, Utf8Values, valueCount, type Column, type Indexed } from "../columnar/columns.ts";
import type { Cell, ColumnDef, ColumnType } from "../contract/columns.ts";

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

/** A byte buffer that grows by doubling; a Buffer for its native UTF-8 write. */
class Bytes {
  buf: Buffer;
  length = 0;

  constructor(capacity = 1024) {
    this.buf = Buffer.alloc(capacity);
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const grown = Buffer.alloc(size);
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

  /** bytes[start, end) of `from`: a byte loop for the short strings this mostly copies, a native copy past them. */
  copy(from: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    const b = this.buf;
    const p = this.length;
    if (n < 64) for (let i = 0; i < n; i++) b[p + i] = from[start + i]!;
    else b.set(from.subarray(start, end), p);
    this.length = p + n;
  }

  /** UTF-8 of `s`, returning its byte length. */
  utf8(s: string): number {
    this.ensure(s.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
    const n = this.buf.write(s, this.length);
    this.length += n;
    return n;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Working memory, reused from one column chunk to the next: the writer is synchronous, and
 * fresh memory costs a page fault per 4 KiB, which made up much of writing a large table.
 * Only the finished chunk is copied out, into a buffer of its exact size.
 */
const work = {
  body: new Bytes(1 << 16),
  dictionary: new Bytes(1 << 10),
  mask: new Uint8Array(0),
  words: new Uint32Array(0),
  indices: new Uint32Array(0),
  doubles: new Float64Array(0),
  days: new Int32Array(0),
  /** Local dictionary number + 1 of each value of an Indexed column, 0 when not met in the chunk: put back to zeros after each. */
  local: new Uint32Array(0),
};

function emptied(bytes: Bytes): Bytes {
  bytes.length = 0;
  return bytes;
}

/** work[key], at least `length` long; its contents are whatever the last user left. */
function workArray<K extends "mask" | "words" | "indices" | "doubles" | "days" | "local">(key: K, length: number): (typeof work)[K] {
  const current = work[key];
  if (current.length < length) {
    const Type = current.constructor as new (size: number) => (typeof work)[K];
    work[key] = new Type(length);
  }
  return work[key];
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
  column: ColumnDef;
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

/** 1 for each null row, and the number of nulls; no mask when there is none (typed arrays never have one). */
function nullMask(cells: Column, rows: number): { mask?: Uint8Array; nulls: number } {
  if (ArrayBuffer.isView(cells)) return { nulls: 0 };
  const mask = workArray("mask", rows).subarray(0, rows);
  let nulls = 0;
  if (isIndexed(cells)) {
    const { index } = cells;
    const count = valueCount(cells.values);
    for (let i = 0; i < rows; i++) {
      const at = index[i]!;
      const isNull = at >= 0 && at < count ? 0 : 1;
      mask[i] = isNull;
      nulls += isNull;
    }
  } else {
    for (let i = 0; i < rows; i++) {
      const isNull = (cells[i] ?? null) === null ? 1 : 0;
      mask[i] = isNull;
      nulls += isNull;
    }
  }
  return nulls === 0 ? { nulls } : { mask, nulls };
}

/** The definition levels (1 present, 0 null) as RLE runs, V1-style with their length first. */
function definitionLevels(mask: Uint8Array | undefined, rows: number, out: Bytes): void {
  const lengthAt = out.length;
  out.u32(0);
  let runValue = mask?.[0] ? 0 : 1;
  let runLength = 0;
  for (let i = 0; i < rows; i++) {
    const present = mask?.[i] ? 0 : 1;
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
}

const asBytes = (a: Uint32Array | Int32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function int64Bytes(v: number): Uint8Array {
  const hi = Math.floor(v / TWO_32);
  return asBytes(Uint32Array.of(v - hi * TWO_32, hi));
}

/**
 * The non-null values of a numeric column, dates as day numbers: a typed array passes as it is,
 * anything else is gathered (Int32Array for dates, Float64Array otherwise).
 */
function presentNumbers(cells: Column, type: ColumnType, rows: number, present: number, mask: Uint8Array | undefined): ArrayLike<number> {
  if (ArrayBuffer.isView(cells)) return (cells as Float64Array).subarray(0, rows);
  const out = type === "date" ? workArray("days", present) : workArray("doubles", present);
  let k = 0;
  if (isIndexed(cells)) {
    const { index } = cells;
    const values = cells.values as ArrayLike<number>;
    for (let i = 0; i < rows; i++) if (!mask?.[i]) out[k++] = values[index[i]!]!;
    return out;
  }
  // Cells of one client or one day come together: the same date string again is not parsed again.
  let previous: Cell = null;
  let day = 0;
  for (let i = 0; i < rows; i++) {
    const v = cells[i] ?? null;
    if (v === null) continue;
    if (typeof v === "number") out[k++] = v;
    else {
      if (v !== previous) day = dayNumber(v);
      previous = v;
      out[k++] = day;
    }
  }
  return out;
}

interface Values {
  encoding: number;
  /** The dictionary page's PLAIN values and their count, for a dictionary-encoded chunk. */
  dictionary?: { bytes: Uint8Array; count: number };
  min?: Uint8Array;
  max?: Uint8Array;
}

/**
 * A chunk's values. An Indexed column whose values come back at least twice on average (a
 * client's id or name on each of their purchases, products, days) is dictionary-encoded, its
 * indices picking the dictionary without hashing a value; so are Cells that are strings.
 * Anything else is PLAIN. A dictionary is given up as soon as it holds more than half the values.
 */
function encodeValues(type: ColumnType, cells: Column, rows: number, present: number, mask: Uint8Array | undefined, out: Bytes): Values {
  if (isIndexed(cells)) {
    const local = localDictionary(cells, rows, present, mask);
    if (local) return dictionaryValues(type, cells.values, local, out);
    if (type === "string") {
      for (let i = 0; i < rows; i++) if (!mask?.[i]) plainEntry(out, cells.values as Utf8Values, cells.index[i]!);
      return { encoding: ENCODING.PLAIN };
    }
  } else if (type === "string") return cellStrings(cells, rows, present, out);
  return { encoding: ENCODING.PLAIN, ...plainNumbers(type, presentNumbers(cells, type, rows, present, mask), present, out) };
}

/**
 * The entries of an Indexed column that a chunk uses, in order of first use, and each present
 * row's place among them; null when they are more than half the values.
 */
function localDictionary(cells: Indexed, rows: number, present: number, mask: Uint8Array | undefined): { used: number[]; indices: Uint32Array } | null {
  const { index } = cells;
  const local = workArray("local", valueCount(cells.values));
  const limit = Math.min(present >> 1, MAX_DICTIONARY);
  const used: number[] = [];
  const indices = workArray("indices", present).subarray(0, present);
  let k = 0;
  let previous = -1;
  let previousAt = 0;
  for (let i = 0; i < rows && used.length <= limit; i++) {
    if (mask?.[i]) continue;
    const v = index[i]!;
    if (v !== previous) {
      previousAt = local[v]! - 1;
      if (previousAt < 0) {
        previousAt = used.length;
        local[v] = used.push(v);
      }
      previous = v;
    }
    indices[k++] = previousAt;
  }
  for (const v of used) local[v] = 0;
  return used.length > limit || present === 0 ? null : { used, indices };
}

function dictionaryValues(type: ColumnType, values: Indexed["values"], local: { used: number[]; indices: Uint32Array }, out: Bytes): Values {
  const { used, indices } = local;
  const dictionary = emptied(work.dictionary);
  let stats: Stats = {};
  if (values instanceof Utf8Values) for (const v of used) plainEntry(dictionary, values, v);
  else stats = plainNumbers(type, used.map((v) => values[v]!), used.length, dictionary);
  packIndices(indices, used.length, out);
  return { encoding: ENCODING.RLE_DICTIONARY, dictionary: { bytes: dictionary.bytes(), count: used.length }, ...stats };
}

type Stats = Pick<Values, "min" | "max">;

/**
 * The first `count` numbers as PLAIN values: INT64 as a low and a (signed) high word, DOUBLE
 * as they are, DATE as INT32 day numbers; with the min and max of ints and dates.
 */
function plainNumbers(type: ColumnType, values: ArrayLike<number>, count: number, out: Bytes): Stats {
  if (type === "double") {
    out.append(asBytes(values instanceof Float64Array ? values.subarray(0, count) : Float64Array.from({ length: count }, (_, i) => values[i]!)));
    return {};
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (type === "date") {
    out.append(asBytes(values instanceof Int32Array ? values.subarray(0, count) : Int32Array.from({ length: count }, (_, i) => values[i]!)));
    return count === 0 ? {} : { min: asBytes(Int32Array.of(min)), max: asBytes(Int32Array.of(max)) };
  }
  const words = workArray("words", count * 2).subarray(0, count * 2);
  for (let i = 0; i < count; i++) {
    const n = values[i]!;
    const hi = Math.floor(n / TWO_32);
    words[2 * i] = n - hi * TWO_32;
    words[2 * i + 1] = hi; // a negative high word wraps to its two's complement
  }
  out.append(asBytes(words));
  return count === 0 ? {} : { min: int64Bytes(min), max: int64Bytes(max) };
}

/** Cells that are strings, dictionary-encoded through a Map while that pays. */
function cellStrings(cells: ArrayLike<Cell>, rows: number, present: number, out: Bytes): Values {
  const limit = Math.min(present >> 1, MAX_DICTIONARY);
  const index = new Map<string, number>();
  const indices = workArray("indices", present).subarray(0, present);
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
    for (let i = 0; i < rows; i++) {
      const v = cells[i] ?? null;
      if (v !== null) plainString(out, v as string);
    }
    return { encoding: ENCODING.PLAIN };
  }
  const dictionary = emptied(work.dictionary);
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

function plainEntry(out: Bytes, values: Utf8Values, i: number): void {
  const start = values.starts[i]!;
  const end = values.starts[i + 1]!;
  out.u32(end - start);
  out.copy(values.bytes, start, end);
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


function pageHeader(type: number, size: number, fields: (t: Thrift) => void): Uint8Array {
  return Thrift.message((t) => {
    t.i32(1, type).i32(2, size).i32(3, size);
    fields(t);
  });
}

/** One column of a row group, its pages written to `out`, which is at `offset` in the file. */
function columnChunk(column: ColumnDef, cells: Column, rows: number, offset: number, out: Blocks): ChunkMeta {
  const body = emptied(work.body);
  const { mask, nulls } = nullMask(cells, rows);
  // A REQUIRED column has no definition levels: a null there is a caller's bug, refused.
  if (column.nullable === false) {
    if (mask) throw new Error(`parquet: column "${column.name}" is not nullable, but row ${mask.indexOf(1)} is null`);
  } else definitionLevels(mask, rows, body);
  const values = encodeValues(column.type, cells, rows, rows - nulls, mask, body);
  let dictionarySize = 0;
  if (values.dictionary) {
    const { bytes, count } = values.dictionary;
    const header = pageHeader(PAGE.DICTIONARY, bytes.length, (t) => t.struct(7, (d) => d.i32(1, count).i32(2, ENCODING.PLAIN)));
    out.write(header);
    out.write(bytes);
    dictionarySize = header.length + bytes.length;
  }
  const header = pageHeader(PAGE.DATA, body.length, (t) =>
    t.struct(5, (d) => d.i32(1, rows).i32(2, values.encoding).i32(3, ENCODING.RLE).i32(4, ENCODING.RLE)),
  );
  out.write(header);
  out.write(body.bytes());
  return {
    column,
    encodings: values.dictionary ? [ENCODING.PLAIN, ENCODING.RLE, ENCODING.RLE_DICTIONARY] : [ENCODING.PLAIN, ENCODING.RLE],
    rows,
    size: dictionarySize + header.length + body.length,
    dataPageOffset: offset + dictionarySize,
    dictionaryPageOffset: values.dictionary ? offset : undefined,
    nulls,
    min: values.min,
    max: values.max,
  };
}

/**
 * The file's bytes, handed out in blocks of one size. Blocks of one size are what the allocator
 * best reuses, where a buffer per column chunk, each of another size, meant fresh pages for
 * the whole file (a fault per 4 KiB, which costs more than the copy). Each block is fresh, as a
 * caller may keep what it was given, unless `recycle`: then the blocks handed out are written
 * over once the next are asked for.
 */
class Blocks {
  #block: Uint8Array = new Uint8Array(0);
  #at = 0;
  #full: Uint8Array[] = [];
  /** Blocks handed out, and blocks free again: when recycling. */
  #out: Uint8Array[] = [];
  #free: Uint8Array[] = [];

  constructor(
    readonly size: number,
    readonly recycle: boolean,
  ) {}

  write(bytes: Uint8Array): void {
    for (let from = 0; from < bytes.length; ) {
      if (this.#at === this.#block.length) {
        if (this.#at > 0) this.#full.push(this.#block);
        this.#block = this.#free.pop() ?? Buffer.allocUnsafe(this.size); // only what is written is handed out
        this.#at = 0;
      }
      const n = Math.min(bytes.length - from, this.#block.length - this.#at);
      this.#block.set(bytes.subarray(from, from + n), this.#at);
      this.#at += n;
      from += n;
    }
  }

  /** The caller is done with what it was handed last: when recycling, those blocks are free. */
  returned(): void {
    if (!this.recycle) return;
    this.#free.push(...this.#out);
    this.#out = [];
  }

  /** The blocks filled so far. */
  take(): Uint8Array[] {
    const full = this.#full;
    this.#full = [];
    if (this.recycle) this.#out.push(...full);
    return full;
  }

  /** Every block left, the last one as far as it is filled. */
  end(): Uint8Array[] {
    const last = this.#block.subarray(0, this.#at);
    this.#block = new Uint8Array(0);
    this.#at = 0;
    return last.length > 0 ? [...this.take(), last] : this.take();
  }
}

// ---------------------------------------------------------------------------------------------
// The file

interface RowGroupMeta {
  rows: number;
  size: number;
  chunks: ChunkMeta[];
}

function footer(columns: readonly ColumnDef[], groups: readonly RowGroupMeta[], rows: number): Uint8Array {
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
 * A Parquet file produced in pieces: every batch becomes one row group, and its bytes are
 * handed back in blocks of `blockBytes` as they fill, so a caller can pipe them into an
 * object-store put as they come; finish() hands back the rest. With `recycle`, the blocks of
 * one call are written over by the next: a caller done with them by then (a store's put,
 * which consumes each chunk before it asks for the next) spares the memory of fresh ones.
 */
export class ParquetStreamWriter {
  #offset = 0;
  #rows = 0;
  readonly #groups: RowGroupMeta[] = [];
  readonly #out: Blocks;

  constructor(
    readonly columns: readonly ColumnDef[],
    { blockBytes = 1 << 20, recycle = false } = {},
  ) {
    this.#out = new Blocks(blockBytes, recycle);
  }

  /** Writes rows [0, rowCount) of `values` (one column each) as a row group. */
  writeBatch(values: readonly Column[], rowCount: number): Uint8Array[] {
    this.#out.returned();
    this.#start();
    if (rowCount === 0) return [];
    const chunks: ChunkMeta[] = [];
    let size = 0;
    this.columns.forEach((column, c) => {
      const meta = columnChunk(column, values[c]!, rowCount, this.#offset, this.#out);
      chunks.push(meta);
      this.#offset += meta.size;
      size += meta.size;
    });
    this.#groups.push({ rows: rowCount, size, chunks });
    this.#rows += rowCount;
    return this.#out.take();
  }

  /** Writes the footer; the returned bytes end the file. */
  finish(): Uint8Array[] {
    this.#out.returned();
    this.#start();
    const meta = footer(this.columns, this.#groups, this.#rows);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, meta.length, true);
    this.#out.write(meta);
    this.#out.write(length);
    this.#out.write(MAGIC);
    return this.#out.end();
  }

  /** The leading magic, the first time anything is written. */
  #start(): void {
    if (this.#offset > 0) return;
    this.#offset = MAGIC.length;
    this.#out.write(MAGIC);
  }
}
