/**
 * A fast path for flat Parquet files in the simple encodings, which is what parquet-writer.ts
 * writes: top-level columns only, PLAIN or dictionary values, RLE definition levels, v1 or v2
 * data pages, uncompressed or Snappy. hyparquet reads such files too, but it takes every value of
 * an OPTIONAL column through its nested-list assembly and decodes strings one at a time: the
 * 1M-row gold fact table took 2.5 s there. parquet.ts sends anything else to hyparquet.
 */
import type { AsyncBuffer, ColumnMetaData, DataReader, FileMetaData, SchemaElement } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { decompressPage } from "hyparquet/src/datapage.js";
import { readRleBitPackedHybrid } from "hyparquet/src/encoding.js";
import { readIndices } from "./rle-hybrid.ts";
import { isoFromDayNumber } from "../core/dates.ts";
import { grown, Utf8Values, type Indexed } from "../columnar/columns.ts";
import type { Cell, ColumnType } from "../contract/columns.ts";

const CODECS = new Set(["UNCOMPRESSED", "SNAPPY"]);
/** BIT_PACKED (the deprecated level encoding) is left out: its bytes differ from RLE's. */
const ENCODINGS = new Set(["PLAIN", "RLE", "PLAIN_DICTIONARY", "RLE_DICTIONARY"]);

/** True when `decodeChunk` reads every column chunk of the file. */
export function isFlatFile(metadata: FileMetaData): boolean {
  const flat = metadata.schema.slice(1).every((e) => !e.num_children && e.repetition_type !== "REPEATED");
  return (
    flat &&
    metadata.row_groups.every((group) =>
      group.columns.every(({ meta_data: m }) => m && CODECS.has(m.codec) && m.encodings.every((e) => ENCODINGS.has(e))),
    )
  );
}

/** The byte range of a column chunk in the file: its dictionary page (if any) and data pages. */
function chunkRange(meta: ColumnMetaData): [start: number, end: number] {
  const dictionary = Number(meta.dictionary_page_offset ?? 0);
  const start = dictionary > 0 ? Math.min(dictionary, Number(meta.data_page_offset)) : Number(meta.data_page_offset);
  return [start, start + Number(meta.total_compressed_size)];
}

/**
 * Reads `target.length` bytes from `start` into `target`: lets a reader keep its buffers from one
 * row group to the next, where fresh memory for each cost more than reading into it.
 */
export type ReadInto = (start: number, target: Uint8Array) => Promise<void>;

/** Where row groups' bytes are read: into one buffer, reused, when the file offers `readInto`. */
export class GroupBuffer {
  private bytes = new Uint8Array(0);

  constructor(
    private readonly file: AsyncBuffer,
    private readonly readInto?: ReadInto,
  ) {}

  /** The bytes of the given ranges, valid until the next call. */
  async read(ranges: readonly [start: number, end: number][]): Promise<Uint8Array[]> {
    const { readInto } = this;
    if (!readInto) return Promise.all(ranges.map(async ([start, end]) => new Uint8Array(await this.file.slice(start, end))));
    const total = ranges.reduce((sum, [start, end]) => sum + end - start, 0);
    if (this.bytes.length < total) this.bytes = new Uint8Array(total);
    let at = 0;
    return Promise.all(
      ranges.map(([start, end]) => {
        const target = this.bytes.subarray(at, (at += end - start));
        return readInto(start, target).then(() => target);
      }),
    );
  }
}

/** Unwanted bytes worth reading to spare a request: a read of the store costs milliseconds. */
const MAX_GAP = 1 << 20;

/** The bytes of the given column chunks, read into `buffer` in as few reads as lie close together. */
export async function fetchChunks(buffer: GroupBuffer, metas: readonly (ColumnMetaData | undefined)[]): Promise<Uint8Array[]> {
  const ranges = metas.map((meta) => {
    if (!meta) throw new Error("row group without a column chunk");
    return chunkRange(meta);
  });
  // Chunks close enough together are read at once, as one span.
  const spans: { start: number; end: number; chunks: number[] }[] = [];
  for (const k of ranges.map((_, k) => k).sort((a, b) => ranges[a]![0] - ranges[b]![0])) {
    const [start, end] = ranges[k]!;
    const span = spans.at(-1);
    if (span && start - span.end <= MAX_GAP) {
      span.end = Math.max(span.end, end);
      span.chunks.push(k);
    } else spans.push({ start, end, chunks: [k] });
  }
  const read = await buffer.read(spans.map((span): [number, number] => [span.start, span.end]));
  const out = new Array<Uint8Array>(ranges.length);
  spans.forEach((span, r) => {
    for (const k of span.chunks) out[k] = read[r]!.subarray(ranges[k]![0] - span.start, ranges[k]![1] - span.start);
  });
  return out;
}

/** What a column chunk's pages are handed to, in file order: its dictionary page first, if any. */
interface PageSink {
  dictionary(page: Uint8Array, count: number): void;
  /** `n` rows from `offset`; `present` says which have a value (all, when absent). */
  data(encoding: string, page: Uint8Array, offset: number, n: number, present: Uint8Array | undefined): void;
}

/** The pages of one column chunk (its bytes, from `fetchChunks`), decompressed, their levels read. */
function walkPages(bytes: Uint8Array, meta: ColumnMetaData, element: SchemaElement, sink: PageSink): void {
  const rows = Number(meta.num_values);
  const optional = element.repetition_type !== "REQUIRED";
  const reader: DataReader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  let read = 0;
  while (read < rows) {
    if (reader.offset >= bytes.length) throw new Error(`column ${element.name}: chunk ends after ${read} of ${rows} values`);
    const header = parquetHeader(reader);
    const body = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type === "DICTIONARY_PAGE") {
      const page = decompressPage(body, header.uncompressed_page_size, meta.codec, undefined);
      sink.dictionary(page, header.dictionary_page_header!.num_values);
    } else if (header.type === "DATA_PAGE") {
      const { num_values: n, encoding } = header.data_page_header!;
      const page = decompressPage(body, header.uncompressed_page_size, meta.codec, undefined);
      const at: DataReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      const present = optional ? levels(at, n) : undefined;
      sink.data(encoding, page, at.offset, n, present);
      read += n;
    } else if (header.type === "DATA_PAGE_V2") {
      const v2 = header.data_page_header_v2!;
      if (v2.repetition_levels_byte_length) throw new Error(`column ${element.name}: repetition levels in a flat column`);
      const at: DataReader = { view: new DataView(body.buffer, body.byteOffset, body.byteLength), offset: 0 };
      const present = optional ? levels(at, v2.num_values, v2.definition_levels_byte_length) : undefined;
      const rest = body.subarray(v2.definition_levels_byte_length);
      const size = header.uncompressed_page_size - v2.definition_levels_byte_length;
      const page = v2.is_compressed && size > 0 ? decompressPage(rest, size, meta.codec, undefined) : rest;
      sink.data(v2.encoding, page, 0, v2.num_values, present);
      read += v2.num_values;
    }
  }
}

/**
 * The cells of one column chunk (its bytes, from `fetchChunks`). Numbers come back as a
 * Float64Array when the chunk has no null, strings and dates as arrays; none refers to `bytes`,
 * which the caller may reuse.
 */
export function decodeChunk(
  bytes: Uint8Array,
  meta: ColumnMetaData,
  element: SchemaElement,
  type: ColumnType,
  dates: Map<number, string>,
): ArrayLike<Cell> {
  const pages: ArrayLike<Cell>[] = [];
  let dictionary: ArrayLike<Cell> | undefined;
  walkPages(bytes, meta, element, {
    dictionary: (page, count) => (dictionary = plainValues(type, page, 0, count, dates)),
    data: (encoding, page, offset, n, present) => pages.push(pageCells(type, encoding, page, offset, n, present, dictionary, dates)),
  });
  return pages.length === 1 ? pages[0]! : joinPages(pages, Number(meta.num_values));
}

/**
 * A chunk of strings or dates as an Indexed column: each distinct value once (a dictionary's
 * entries, or a PLAIN page's values), as UTF-8 bytes or day numbers, and each row's entry (-1
 * for null). No string is made. `into` is filled and handed back: its memory is reused from
 * one row group to the next.
 */
export function decodeChunkIndexed(bytes: Uint8Array, meta: ColumnMetaData, element: SchemaElement, into: IndexedChunk): Indexed {
  const rows = Number(meta.num_values);
  into.clear(rows);
  let row = 0;
  let dictionaryAt = -1;
  let dictionarySize = 0;
  walkPages(bytes, meta, element, {
    dictionary(page, count) {
      dictionaryAt = into.count();
      dictionarySize = count;
      into.addPlain(page, 0, count);
    },
    data(encoding, page, offset, n, present) {
      if (row + n > rows) throw new Error(`column ${element.name}: pages hold more than the chunk's ${rows} values`);
      let count = n;
      if (present) for (let i = 0; i < n; i++) count -= 1 - present[i]!;
      const { index } = into;
      if (encoding === "PLAIN") {
        const first = into.addPlain(page, offset, count);
        for (let i = 0, k = 0; i < n; i++) index[row++] = present && !present[i] ? -1 : first + k++;
        return;
      }
      if (dictionaryAt < 0) throw new Error(`${encoding} page without a dictionary page`);
      if (!present) {
        // Every row has a value: the indices go straight into the rows' entries.
        pageIndices(page, offset, n, dictionarySize, index, row, dictionaryAt);
        row += n;
        return;
      }
      const indices = pageIndices(page, offset, count, dictionarySize, scratchIndices(count), 0, dictionaryAt);
      for (let i = 0, k = 0; i < n; i++) index[row++] = present[i] ? indices[k++]! : -1;
    },
  });
  return into.column(rows);
}

/**
 * A chunk of a REQUIRED int or double column as numbers, decoded into `into`'s array, which is
 * reused from one row group to the next (fresh memory costs a page fault per 4 KiB).
 */
export function decodeChunkNumbers(bytes: Uint8Array, meta: ColumnMetaData, element: SchemaElement, into: NumberChunk): Float64Array {
  const rows = Number(meta.num_values);
  const out = into.take(rows);
  let row = 0;
  let dictionary: Float64Array | undefined;
  walkPages(bytes, meta, element, {
    dictionary(page, count) {
      dictionary = plainNumbers(into.type, page, 0, count, new Float64Array(count));
    },
    data(encoding, page, offset, n) {
      if (row + n > rows) throw new Error(`column ${element.name}: pages hold more than the chunk's ${rows} values`);
      if (encoding === "PLAIN") plainNumbers(into.type, page, offset, n, out.subarray(row, row + n));
      else {
        if (!dictionary) throw new Error(`${encoding} page without a dictionary page`);
        const indices = pageIndices(page, offset, n, dictionary.length, scratchIndices(n), 0, 0);
        for (let i = 0; i < n; i++) out[row + i] = dictionary[indices[i]!]!;
      }
      row += n;
    },
  });
  return out;
}

/** Where `decodeChunkNumbers` puts a column's numbers, reused for every row group. */
export class NumberChunk {
  #values = new Float64Array(0);

  constructor(readonly type: "int" | "double") {}

  take(rows: number): Float64Array {
    if (this.#values.length < rows) this.#values = new Float64Array(rows);
    return this.#values.subarray(0, rows);
  }
}

/** `out.length` PLAIN INT64 or DOUBLE values from `offset`, as numbers into `out`. */
function plainNumbers(type: "int" | "double", page: Uint8Array, offset: number, count: number, out: Float64Array): Float64Array {
  if (offset + count * 8 > page.length) throw new Error(`page holds fewer than ${count} values`);
  const buffer = aligned(page, offset, count * 8);
  if (type === "double") out.set(new Float64Array(buffer, 0, count));
  else numbersInto(new Int32Array(buffer, 0, 2 * count), out);
  return out;
}

/** Where `decodeChunkIndexed` puts a column's entries and indices, reused for every row group. */
export class IndexedChunk {
  index = new Int32Array(0);
  readonly #strings: Utf8Values | undefined;
  #days: Int32Array = new Int32Array(0);
  #dayCount = 0;

  constructor(readonly type: "string" | "date") {
    this.#strings = type === "string" ? new Utf8Values() : undefined;
  }

  clear(rows: number): void {
    if (this.index.length < rows) this.index = new Int32Array(rows);
    this.#strings?.clear();
    this.#dayCount = 0;
  }

  count(): number {
    return this.#strings ? this.#strings.count : this.#dayCount;
  }

  /** Appends `count` PLAIN values from `offset`; returns the entry number of the first. */
  addPlain(page: Uint8Array, offset: number, count: number): number {
    const first = this.count();
    const strings = this.#strings;
    if (strings) {
      for (let i = 0, p = offset; i < count; i++) {
        const end = valueEnd(page, p, count);
        strings.pushBytes(page, p + 4, end);
        p = end;
      }
      return first;
    }
    if (offset + count * 4 > page.length) throw new Error(`page holds fewer than ${count} values`);
    if (this.#days.length < first + count) this.#days = grown(this.#days, Math.max(first + count, this.#days.length * 2));
    this.#days.set(new Int32Array(aligned(page, offset, count * 4), 0, count), first);
    this.#dayCount += count;
    return first;
  }

  column(rows: number): Indexed {
    const index = this.index.subarray(0, rows);
    return { values: this.#strings ?? this.#days.subarray(0, this.#dayCount), index };
  }
}

/**
 * A dictionary-encoded page's `count` indices from `offset` (its bit width, then the hybrid
 * runs), each checked against the dictionary's `size`, into `out` from `at`, plus `add`.
 */
function pageIndices(page: Uint8Array, offset: number, count: number, size: number, out: Int32Array, at: number, add: number): Int32Array {
  if (count === 0) return out;
  if (offset >= page.length) throw new Error(`page holds fewer than ${count} dictionary indices`);
  readIndices(page, offset + 1, page.length, page[offset]!, count, size, out, at, add);
  return out;
}

/** Where a page's indices wait to be spread over its rows or mapped to values; reused, as fresh memory costs. */
let indexScratch = new Int32Array(1 << 14);

function scratchIndices(count: number): Int32Array {
  if (indexScratch.length < count) indexScratch = new Int32Array(Math.max(count, indexScratch.length * 2));
  return indexScratch;
}

/** Definition levels of a flat OPTIONAL column (1 present, 0 null); `length` absent means prefixed. */
function levels(reader: DataReader, n: number, length?: number): Uint8Array | undefined {
  if (allPresent(reader, n, length)) return undefined;
  const present = new Uint8Array(n);
  readRleBitPackedHybrid(reader, 1, present, length);
  return present.indexOf(0) === -1 ? undefined : present;
}

/**
 * True, and the levels skipped, when they are one run of `n` ones: how a page without nulls is
 * written, most pages of most columns.
 */
function allPresent(reader: DataReader, n: number, length?: number): boolean {
  const { view } = reader;
  const start = reader.offset + (length === undefined ? 4 : 0);
  const size = length ?? view.getUint32(reader.offset, true);
  // The run's header is the varint of n × 2 (an RLE run), then its value in one byte.
  let header = n * 2;
  let at = start;
  for (; header >= 0x80; header = Math.floor(header / 0x80)) {
    if (view.getUint8(at++) !== ((header % 0x80) | 0x80)) return false;
  }
  if (view.getUint8(at++) !== header || view.getUint8(at++) !== 1 || at - start !== size) return false;
  reader.offset = at;
  return true;
}

/** A data page's cells, one per row: null where `present` says the row has no value. */
function pageCells(
  type: ColumnType,
  encoding: string,
  page: Uint8Array,
  offset: number,
  rows: number,
  present: Uint8Array | undefined,
  dictionary: ArrayLike<Cell> | undefined,
  dates: Map<number, string>,
): ArrayLike<Cell> {
  let count = rows;
  if (present) for (let i = 0; i < rows; i++) count -= 1 - present[i]!;
  if (encoding === "PLAIN") {
    const values = plainValues(type, page, offset, count, dates);
    if (!present) return values;
    const out = new Array<Cell>(rows);
    for (let i = 0, k = 0; i < rows; i++) out[i] = present[i] ? values[k++]! : null;
    return out;
  }
  if (!dictionary) throw new Error(`${encoding} page without a dictionary page`);
  const indices = pageIndices(page, offset, count, dictionary.length, scratchIndices(count), 0, 0);
  const out = !present && isNumeric(type) ? new Float64Array(rows) : new Array<Cell>(rows);
  if (!present) for (let i = 0; i < rows; i++) out[i] = dictionary[indices[i]!]!;
  else for (let i = 0, k = 0; i < rows; i++) out[i] = present[i] ? dictionary[indices[k++]!]! : null;
  return out;
}

const isNumeric = (type: ColumnType) => type === "int" || type === "double";

/** Where PLAIN numbers are copied to be aligned for typed views; reused, as fresh memory costs. */
let scratch = new ArrayBuffer(1 << 16);

function aligned(page: Uint8Array, offset: number, bytes: number): ArrayBuffer {
  if (scratch.byteLength < bytes) scratch = new ArrayBuffer(bytes);
  new Uint8Array(scratch, 0, bytes).set(page.subarray(offset, offset + bytes));
  return scratch;
}

/** `count` PLAIN values from `offset`: INT64 and DOUBLE as numbers, INT32 days as ISO dates. */
function plainValues(type: ColumnType, page: Uint8Array, offset: number, count: number, dates: Map<number, string>): ArrayLike<Cell> {
  if (type === "string") return plainStrings(page, offset, count);
  const width = type === "date" ? 4 : 8;
  if (offset + count * width > page.length) throw new Error(`page holds fewer than ${count} values`);
  const buffer = aligned(page, offset, count * width);
  if (type === "double") {
    const out = new Float64Array(count);
    out.set(new Float64Array(buffer, 0, count));
    return out;
  }
  if (type === "int") return numbersOf(new Int32Array(buffer, 0, 2 * count));
  const days = new Int32Array(buffer, 0, count);
  const out = new Array<Cell>(count);
  for (let i = 0; i < count; i++) out[i] = isoOf(days[i]!, dates);
  return out;
}

const utf8 = new TextDecoder();

/**
 * PLAIN BYTE_ARRAY values as strings. When every value is ASCII the page is turned into one
 * string and each value is a slice of it, several times faster than decoding them one by one.
 */
function plainStrings(page: Uint8Array, offset: number, count: number): string[] {
  const starts = new Uint32Array(count + 1);
  let ascii = true;
  let p = offset;
  for (let i = 0; i < count; i++) {
    const end = valueEnd(page, p, count);
    starts[i] = p += 4;
    for (; p < end && ascii; p++) ascii = page[p]! < 0x80;
    p = end;
  }
  starts[count] = p + 4;
  const out = new Array<string>(count);
  if (ascii) {
    // Latin-1 maps each byte to one character, so byte offsets are string offsets.
    const text = Buffer.from(page.buffer, page.byteOffset + offset, p - offset).toString("latin1");
    for (let i = 0; i < count; i++) out[i] = text.slice(starts[i]! - offset, starts[i + 1]! - 4 - offset);
  } else {
    for (let i = 0; i < count; i++) out[i] = utf8.decode(page.subarray(starts[i]!, starts[i + 1]! - 4));
  }
  return out;
}

/**
 * Where the PLAIN BYTE_ARRAY value at `p` ends: its bytes follow a 4-byte little-endian length.
 * `count` is the page's value count, for the error.
 */
function valueEnd(page: Uint8Array, p: number, count: number): number {
  if (p + 4 > page.length) throw new Error(`page holds fewer than ${count} values`);
  const end = p + 4 + (page[p]! | (page[p + 1]! << 8) | (page[p + 2]! << 16)) + page[p + 3]! * 2 ** 24;
  if (end > page.length) throw new Error(`page holds fewer than ${count} values`);
  return end;
}

/** Pages' cells one after the other, as numbers when no page has a null. */
function joinPages(pages: ArrayLike<Cell>[], rows: number): ArrayLike<Cell> {
  const out = pages.every((p) => p instanceof Float64Array) ? new Float64Array(rows) : new Array<Cell>(rows);
  let row = 0;
  for (const cells of pages) for (let i = 0; i < cells.length; i++) out[row++] = cells[i]!;
  return out;
}

/**
 * INT64 values as numbers, from their little-endian 32-bit halves (`words`), so no bigint is
 * made per value.
 */
export function numbersOf(words: Int32Array): Float64Array {
  return numbersInto(words, new Float64Array(words.length >> 1));
}

function numbersInto(words: Int32Array, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = words[2 * i + 1]! * 2 ** 32 + (words[2 * i]! >>> 0);
  return out;
}

export function isoOf(days: number, cache: Map<number, string>): string {
  let iso = cache.get(days);
  if (iso === undefined) cache.set(days, (iso = isoFromDayNumber(days)));
  return iso;
}
