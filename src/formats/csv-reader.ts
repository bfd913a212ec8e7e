/**
 * RFC 4180 CSV, streamed, over bytes. Our own reader rather than papaparse because silver needs
 * the exact source line of every record, bounded memory on hostile input (a never-closed quote
 * must not swallow the file), strict UTF-8 that names the offending line, and fields as byte
 * ranges: the rules parse ids, amounts and dates straight from the bytes, so a row that is
 * kept never becomes strings it does not need.
 */
import { isUtf8 } from "node:buffer";
import { InputError } from "../core/errors.ts";
import { latin1Hint } from "./encoding-hint.ts";

export interface CsvReadOptions {
  /** Named in error messages. */
  file: string;
  /**
   * Longest record accepted, in bytes. Bounds memory: an unclosed quote or a file without
   * newlines fails here instead.
   */
  maxRecordLength?: number;
}

export const DEFAULT_MAX_RECORD_LENGTH = 4 * 1024 * 1024;

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;
const BOM = [0xef, 0xbb, 0xbf] as const;

/** Buffer's undeclared decoder without argument checks: a third faster than toString's. */
interface Utf8Slicer {
  utf8Slice(start: number, end: number): string;
}

/**
 * The records of one chunk: each field is the byte range [start, end) of `bytes`, quotes
 * already removed and `""` unescaped (in place, so a quoted field is still one range).
 */
export class CsvBatch {
  count = 0;
  /** Record r's fields are the field indices [first[r], first[r + 1]). */
  first: Uint32Array;
  starts: Uint32Array;
  ends: Uint32Array;
  lines: Float64Array;
  /** Fields added so far, over all records. */
  fieldCount = 0;
  private text?: Utf8Slicer;

  constructor(
    public bytes: Uint8Array,
    expectedFields: number,
  ) {
    const records = Math.max(16, expectedFields >> 2);
    this.first = new Uint32Array(records + 1);
    this.lines = new Float64Array(records);
    this.starts = new Uint32Array(Math.max(64, expectedFields));
    this.ends = new Uint32Array(this.starts.length);
  }

  /**
   * Empties the batch for the records of new bytes, keeping its arrays: allocating them for
   * every chunk made the collector hand pages back and the kernel fault them in again.
   */
  reset(bytes: Uint8Array): void {
    if (this.first.byteOffset > 0) {
      this.first = new Uint32Array(this.first.buffer);
      this.lines = new Float64Array(this.lines.buffer);
    }
    this.bytes = bytes;
    this.text = undefined;
    this.count = 0;
    this.fieldCount = 0;
  }

  /** Number of fields of record r. */
  size(r: number): number {
    return this.first[r + 1]! - this.first[r]!;
  }

  /** Field f of record r as text. */
  field(r: number, f: number): string {
    const i = this.first[r]! + f;
    return this.decode(this.starts[i]!, this.ends[i]!);
  }

  /** Every field of record r as text. */
  fields(r: number): string[] {
    const out: string[] = [];
    for (let i = this.first[r]!; i < this.first[r + 1]!; i++) out.push(this.decode(this.starts[i]!, this.ends[i]!));
    return out;
  }

  /** Bytes [start, end) as text; the reader has already checked they are UTF-8. */
  decode(start: number, end: number): string {
    this.text ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength) as unknown as Utf8Slicer;
    return this.text.utf8Slice(start, end);
  }

  /** Drops the first record (a header, once checked). */
  dropFirst(): void {
    this.first = this.first.subarray(1);
    this.lines = this.lines.subarray(1);
    this.count--;
  }

  addField(start: number, end: number): void {
    this.reserve(1);
    const i = this.fieldCount++;
    this.starts[i] = start;
    this.ends[i] = end;
  }

  /** Makes room for `fields` more fields. */
  reserve(fields: number): void {
    const need = this.fieldCount + fields;
    if (need <= this.starts.length) return;
    const size = Math.max(need, this.starts.length * 2);
    this.starts = grownTo(this.starts, size);
    this.ends = grownTo(this.ends, size);
  }

  /** Closes the record whose fields were added since the last one. */
  endRecord(line: number): void {
    const r = this.count++;
    if (r + 1 === this.lines.length) {
      this.lines = grownLines(this.lines);
      this.first = grownTo(this.first, this.first.length * 2);
    }
    this.lines[r] = line;
    this.first[r + 1] = this.fieldCount;
  }

  /** Forgets the fields added since the last record. */
  dropOpenRecord(): void {
    this.fieldCount = this.first[this.count]!;
  }
}

function grownTo(a: Uint32Array, size: number): Uint32Array {
  const b = new Uint32Array(size);
  b.set(a);
  return b;
}

function grownLines(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

const enum Mode {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteSeen,
}

/**
 * A push parser over bytes: feed it chunks in order, each returns the records it completes;
 * an unfinished record is carried into the next chunk. Lenient where RFC 4180 is strict but
 * the intent is plain: a quote inside an unquoted field is data (`5" screen`), and text after
 * a closing quote is appended to the field (`"ab"c` reads `abc`). Only LF ends a record; a CR
 * before it (or before the end of input) is dropped unless quoted, a CR elsewhere is data.
 */
export class CsvByteParser {
  /** Line of the first byte of `rest`. */
  private line = 1;
  /** The unfinished record carried over, and how many of its bytes were checked as UTF-8. */
  private rest: Uint8Array = new Uint8Array(0);
  /** Holds `rest` followed by the chunk being parsed; reused, like the batch. */
  private buffer = new Uint8Array(0);
  private readonly batch = new CsvBatch(this.buffer, 1 << 13);
  private restChecked = 0;
  private started = false;
  /** Lines the last quoted record took, its LF included (its bytes change when unescaped). */
  private quotedLines = 0;
  private readonly file: string;
  private readonly maxRecordLength: number;

  constructor(options: CsvReadOptions) {
    this.file = options.file;
    this.maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  }

  /** The records the chunk completes, in a batch that is valid until the next push or end. */
  push(chunk: Uint8Array): CsvBatch {
    const length = this.rest.length + chunk.length;
    if (length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(length, this.buffer.length * 2));
      grown.set(this.rest);
      this.buffer = grown;
    } else {
      const at = this.rest.byteOffset - this.buffer.byteOffset;
      this.buffer.copyWithin(0, at, at + this.rest.length);
    }
    this.buffer.set(chunk, this.rest.length);
    return this.parse(this.buffer.subarray(0, length), false);
  }

  /** Ends the input: the last record if it had no final newline. */
  end(): CsvBatch {
    return this.parse(this.rest, true);
  }

  private parse(bytes: Uint8Array, final: boolean): CsvBatch {
    // Text after the last LF may end inside a character; it is checked once its line is whole.
    const checkEnd = final ? bytes.length : bytes.lastIndexOf(LF) + 1;
    if (checkEnd > this.restChecked && !isUtf8(bytes.subarray(this.restChecked, checkEnd))) {
      this.invalidUtf8(bytes, this.restChecked, checkEnd);
    }
    const batch = this.batch;
    batch.reset(bytes);
    let p = 0;
    if (!this.started) {
      if (!final && bytes.length < BOM.length && BOM.slice(0, bytes.length).every((b, i) => bytes[i] === b)) {
        this.keep(bytes, 0, checkEnd);
        return batch;
      }
      this.started = true;
      if (BOM.every((b, i) => bytes[i] === b)) p = BOM.length;
    }
    const n = bytes.length;
    const max = this.maxRecordLength;
    let line = this.line;
    while (p < n) {
      const lf = bytes.indexOf(LF, p);
      if (lf < 0 && !final) break;
      const stop = lf < 0 ? n : lf;
      const end = stop > p && bytes[stop - 1] === CR ? stop - 1 : stop;
      if (end - p > max) this.tooLong(line);
      // The common case: a line without a quote at the start of a field splits at its commas,
      // written straight into the batch's arrays (room for a field per byte is made first).
      batch.reserve(end - p + 1);
      const starts = batch.starts;
      const ends = batch.ends;
      let field = batch.fieldCount;
      let from = p;
      let i = p;
      for (; i < end; i++) {
        const b = bytes[i]!;
        if (b === COMMA) {
          starts[field] = from;
          ends[field++] = i;
          from = i + 1;
        } else if (b === QUOTE && i === from) {
          break;
        }
      }
      if (i === end) {
        if (end > p) {
          starts[field] = from;
          ends[field++] = end;
          batch.fieldCount = field;
          batch.endRecord(line);
        }
        line++;
        p = stop + 1;
        continue;
      }
      batch.dropOpenRecord();
      const next = this.quotedRecord(bytes, p, batch, line, final);
      if (next < 0) break;
      line += this.quotedLines;
      p = next;
    }
    this.line = line;
    this.keep(bytes, Math.min(p, n), checkEnd);
    if (withoutCr(this.rest, 0, this.rest.length) > max) this.tooLong(line);
    return batch;
  }

  /** Carries bytes[from, n) into the next chunk. */
  private keep(bytes: Uint8Array, from: number, checkEnd: number): void {
    this.rest = bytes.subarray(from);
    this.restChecked = Math.max(0, checkEnd - from);
  }

  /**
   * A record with quotes, from `p`: returns the index after its LF (or the end of input), or
   * -1 when the bytes so far do not finish it. The record's end is found first, so an
   * unfinished record is left untouched for the next chunk; then its fields are unescaped in
   * place.
   */
  private quotedRecord(bytes: Uint8Array, p: number, batch: CsvBatch, line: number, final: boolean): number {
    const n = bytes.length;
    let mode = Mode.FieldStart;
    let quoteStart = p;
    let i = p;
    scan: while (i < n) {
      switch (mode) {
        case Mode.FieldStart:
          if (bytes[i] === QUOTE) {
            mode = Mode.Quoted;
            quoteStart = i;
            i++;
          } else {
            mode = Mode.Unquoted;
          }
          break;
        case Mode.Unquoted: {
          const b = bytes[i]!;
          if (b === LF) break scan;
          if (b === COMMA) mode = Mode.FieldStart;
          i++;
          break;
        }
        case Mode.Quoted: {
          const q = bytes.indexOf(QUOTE, i);
          if (q < 0) {
            i = n;
            break;
          }
          i = q + 1;
          mode = Mode.QuoteSeen;
          break;
        }
        case Mode.QuoteSeen:
          if (bytes[i] === QUOTE) {
            mode = Mode.Quoted;
            i++;
          } else {
            mode = Mode.Unquoted;
          }
          break;
      }
    }
    if (withoutCr(bytes, p, i) > this.maxRecordLength) this.tooLong(line);
    if (i === n && !final) return -1;
    if (i === n && mode === Mode.Quoted) {
      const at = line + countLf(bytes, p, quoteStart);
      throw new InputError(`${this.file}:${at}: quoted field is never closed`, this.file, at);
    }
    const next = i < n ? i + 1 : n;
    this.quotedLines = countLf(bytes, p, next);
    this.splitQuoted(bytes, p, i, batch);
    batch.endRecord(line);
    return next;
  }

  /** Fields of the record bytes[p, end) (its LF excluded), unescaped in place. */
  private splitQuoted(bytes: Uint8Array, p: number, end: number, batch: CsvBatch): void {
    let i = p;
    for (;;) {
      const start = i;
      let w = i;
      // Where the field's text from inside quotes ends: a CR before it is data.
      let quotedEnd = i;
      if (bytes[i] === QUOTE && i < end) {
        i++;
        for (;;) {
          const q = bytes.indexOf(QUOTE, i);
          bytes.copyWithin(w, i, q);
          w += q - i;
          i = q + 1;
          if (bytes[i] === QUOTE && i < end) {
            bytes[w++] = QUOTE;
            i++;
            continue;
          }
          break;
        }
        quotedEnd = w;
      }
      while (i < end && bytes[i] !== COMMA) bytes[w++] = bytes[i++]!;
      if (i === end) {
        batch.addField(start, w > quotedEnd && bytes[w - 1] === CR ? w - 1 : w);
        return;
      }
      batch.addField(start, w);
      i++;
    }
  }

  private invalidUtf8(bytes: Uint8Array, from: number, to: number): never {
    const bad = from + firstInvalid(bytes.subarray(from, to));
    const at = this.line + countLf(bytes, 0, bad);
    const start = bytes.lastIndexOf(LF, bad) + 1;
    const next = bytes.subarray(0, to).indexOf(LF, bad);
    const hint = latin1Hint(bytes.subarray(start, next === -1 ? to : next));
    throw new InputError(`${this.file}:${at}: bytes are not valid UTF-8${hint ? `; ${hint}` : ""}`, this.file, at);
  }

  private tooLong(line: number): never {
    throw new InputError(`${this.file}:${line}: record is longer than ${this.maxRecordLength} bytes`, this.file, line);
  }
}

/**
 * A record's length for the cap: bytes [from, to) less a CR that ends them, which is the line
 * ending (or may be, when its LF is still to come), so where a chunk ends cannot matter.
 */
function withoutCr(bytes: Uint8Array, from: number, to: number): number {
  return to > from && bytes[to - 1] === CR ? to - from - 1 : to - from;
}

function countLf(bytes: Uint8Array, from: number, to: number): number {
  let lines = 0;
  for (let i = bytes.indexOf(LF, from); i >= 0 && i < to; i = bytes.indexOf(LF, i + 1)) lines++;
  return lines;
}

/**
 * Streams batches of records out of UTF-8 bytes, one per input chunk that completes any. The
 * batch object is reused: read each one before asking for the next.
 */
export async function* csvBatches(source: AsyncIterable<Uint8Array>, options: CsvReadOptions): AsyncGenerator<CsvBatch> {
  const parser = new CsvByteParser(options);
  for await (const chunk of source) {
    const batch = parser.push(chunk);
    if (batch.count > 0) yield batch;
  }
  const last = parser.end();
  if (last.count > 0) yield last;
}

export interface CsvRecord {
  /** Raw field values: untrimmed, quotes removed, `""` unescaped. */
  fields: string[];
  /** 1-based source line where the record starts. */
  line: number;
}

/** The same records as text, for readers that want strings (headers, tests, tools). */
export async function* parseCsv(source: AsyncIterable<Uint8Array>, options: CsvReadOptions): AsyncGenerator<CsvRecord[]> {
  for await (const batch of csvBatches(source, options)) {
    const records: CsvRecord[] = [];
    for (let r = 0; r < batch.count; r++) records.push({ fields: batch.fields(r), line: batch.lines[r]! });
    yield records;
  }
}

function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Index of the first byte that starts an ill-formed sequence (Unicode table 3-7), or length. */
function firstInvalid(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length = sequenceLength(lead);
    if (length === 0 || i + length > bytes.length) return i;
    // The second byte's range depends on the lead (no overlongs, surrogates or > U+10FFFF).
    const lo = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const hi = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k < length; k++) {
      const b = bytes[i + k]!;
      if (b < 0x80 || b > 0xbf) return i;
    }
    i += length;
  }
  return bytes.length;
}
