/**
 * RFC 4180 CSV, streamed. Our own reader rather than papaparse because silver needs the exact
 * source line of every record, bounded memory on hostile input (a never-closed quote must not
 * swallow the file), and strict UTF-8 decoding that names the offending line.
 */
import { InputError } from "../errors.ts";

// ---------------------------------------------------------------------------------------------
// Writing

export type CsvValue = string | number | null | undefined;

const NEEDS_QUOTES = /[",\r\n]/;

/** The set String.prototype.trim removes: a value edged with one is quoted so no reader trims it. */
function isTrimSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return v === 0 ? "0" : String(v); // SPEC: -0 is written 0
  if (v.length === 0) return v;
  if (NEEDS_QUOTES.test(v) || isTrimSpace(v.charCodeAt(0)) || isTrimSpace(v.charCodeAt(v.length - 1))) {
    return `"${v.replaceAll('"', '""')}"`;
  }
  return v;
}

/** One record, newline-terminated. */
export function csvLine(values: readonly CsvValue[]): string {
  let out = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    out += csvField(values[i]);
  }
  // A lone empty field would be a blank line, which readers skip.
  return out.length === 0 && values.length > 0 ? '""\n' : out + "\n";
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface CsvRecord {
  /** Raw field values: untrimmed, quotes removed, `""` unescaped. */
  fields: string[];
  /** 1-based source line where the record starts. */
  line: number;
}

export interface CsvReadOptions {
  /** Named in error messages. */
  file: string;
  /**
   * Longest record accepted, in characters (UTF-16 units, never more than its UTF-8 bytes).
   * Bounds memory: an unclosed quote or a file without newlines fails here instead.
   */
  maxRecordLength?: number;
}

export const DEFAULT_MAX_RECORD_LENGTH = 4 * 1024 * 1024;

const LF = 10;
const CR = 13;
const QUOTE = 34;

/** Where the state machine stands inside a record with quotes or cut by a chunk's end. */
const enum Mode {
  /** At the start of a field (of a record that has begun, or of the next record). */
  FieldStart,
  /** Inside quotes. */
  Quoted,
  /** Just read a quote inside quotes: it closes the field or starts a `""`. */
  QuoteSeen,
  /** Outside quotes, up to the next comma or line end. */
  Unquoted,
}

/**
 * A push parser over decoded text: feed it chunks in order, it returns the records that each
 * chunk completes. Lenient where RFC 4180 is strict but the intent is plain: a quote inside an
 * unquoted field is data (`5" screen`), and text after a closing quote is appended to the
 * field (`"ab"c` reads `abc`). Only LF ends a record; a CR before it is dropped, a CR
 * elsewhere is data.
 */
export class CsvTextParser {
  /** Line of the next unread character. */
  private line = 1;
  /** A record has begun and not ended (it may span chunks). */
  private open = false;
  private mode = Mode.FieldStart;
  private fields: string[] = [];
  private recordLine = 1;
  private recordLength = 0;
  /** The current field's text so far, and how much of it came from inside quotes. */
  private acc = "";
  private quotedLength = 0;
  private wasQuoted = false;
  private quoteLine = 1;
  /** Next LF and next quote at or after the scan position in this chunk (its length: none). */
  private lfAt = -1;
  private quoteAt = -1;
  private readonly file: string;
  private readonly maxRecordLength: number;

  constructor(options: CsvReadOptions) {
    this.file = options.file;
    this.maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  }

  /** Line of the next unread character: where an error in the bytes not yet fed would be. */
  get currentLine(): number {
    return this.line;
  }

  push(text: string, out: CsvRecord[] = []): CsvRecord[] {
    const n = text.length;
    this.lfAt = -1;
    this.quoteAt = -1;
    let p = 0;
    while (p < n) {
      if (!this.open) {
        const eol = this.nextLf(text, p);
        if (eol < n && this.nextQuote(text, p) > eol) {
          // The common case: a whole line without quotes.
          const end = eol > p && text.charCodeAt(eol - 1) === CR ? eol - 1 : eol;
          if (end > p) {
            if (end - p > this.maxRecordLength) this.tooLong(this.line);
            const fields: string[] = [];
            splitCommas(text, p, end, fields);
            out.push({ fields, line: this.line });
          }
          this.line++;
          p = eol + 1;
          continue;
        }
        this.open = true;
        this.recordLine = this.line;
        this.recordLength = 0;
      }
      p = this.scan(text, p, out);
    }
    return out;
  }

  /** Ends the input: returns the last record if it had no final newline. */
  end(out: CsvRecord[] = []): CsvRecord[] {
    if (this.mode === Mode.Quoted) {
      throw new InputError(`${this.file}:${this.quoteLine}: quoted field is never closed`, this.file, this.quoteLine);
    }
    if (this.open) this.endRecord(out);
    return out;
  }

  /**
   * The state machine for a record with quotes or cut by the chunk's end: runs from `p` until
   * the record ends (returns the index after its newline) or the text does (returns its length).
   */
  private scan(text: string, p: number, out: CsvRecord[]): number {
    const n = text.length;
    while (p < n) {
      switch (this.mode) {
        case Mode.FieldStart: {
          if (text.charCodeAt(p) === QUOTE) {
            this.consume(1);
            this.mode = Mode.Quoted;
            this.wasQuoted = true;
            this.quoteLine = this.line;
            p++;
            break;
          }
          const lf = this.nextLf(text, p);
          if (lf < n && this.nextQuote(text, p) > lf) {
            // No quote left on this line: the rest of the record splits like the common case.
            this.consume(lf - p);
            splitCommas(text, p, lf > p && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf, this.fields);
            this.finishRecord(out);
            this.line++;
            return lf + 1;
          }
          this.mode = Mode.Unquoted;
          break;
        }
        case Mode.Quoted: {
          const q = this.nextQuote(text, p);
          this.append(text, p, q);
          this.countLines(text, p, q);
          if (q === n) return n;
          this.consume(1);
          p = q + 1;
          this.quotedLength = this.acc.length;
          this.mode = Mode.QuoteSeen;
          break;
        }
        case Mode.QuoteSeen:
          if (text.charCodeAt(p) === QUOTE) {
            this.consume(1);
            this.acc += '"';
            p++;
            this.mode = Mode.Quoted;
          } else {
            this.mode = Mode.Unquoted;
          }
          break;
        case Mode.Unquoted: {
          const lf = this.nextLf(text, p);
          const comma = text.indexOf(",", p);
          const stop = comma >= 0 && comma < lf ? comma : lf;
          this.append(text, p, stop);
          if (stop === n) return n;
          if (stop === comma) {
            this.consume(1);
            this.fields.push(this.acc);
            this.startField();
            p = stop + 1;
            break;
          }
          this.endRecord(out);
          this.line++;
          return stop + 1;
        }
      }
    }
    return n;
  }

  private nextLf(text: string, p: number): number {
    if (this.lfAt < p) {
      const i = text.indexOf("\n", p);
      this.lfAt = i < 0 ? text.length : i;
    }
    return this.lfAt;
  }

  private nextQuote(text: string, p: number): number {
    if (this.quoteAt < p) {
      const i = text.indexOf('"', p);
      this.quoteAt = i < 0 ? text.length : i;
    }
    return this.quoteAt;
  }

  private append(text: string, from: number, to: number): void {
    if (to === from) return;
    this.consume(to - from);
    this.acc += text.slice(from, to);
  }

  /**
   * Counts consumed characters against the cap. Quotes and commas count too: a wall of `""`
   * pairs or of commas adds little or nothing to `acc` yet would grow a field or the field list
   * without bound.
   */
  private consume(chars: number): void {
    this.recordLength += chars;
    if (this.recordLength > this.maxRecordLength) this.tooLong(this.recordLine);
  }

  private countLines(text: string, from: number, to: number): void {
    for (let i = this.nextLf(text, from); i < to; i = this.nextLf(text, i + 1)) this.line++;
  }

  /** Closes the last field (a CR before the newline is the line ending, unless quoted) and the record. */
  private endRecord(out: CsvRecord[]): void {
    const last = this.acc;
    const crEnding = last.length > this.quotedLength && last.charCodeAt(last.length - 1) === CR;
    this.fields.push(crEnding ? last.slice(0, -1) : last);
    this.finishRecord(out);
  }

  private finishRecord(out: CsvRecord[]): void {
    const fields = this.fields;
    const blank = fields.length === 1 && fields[0] === "" && !this.wasQuoted;
    if (!blank) out.push({ fields, line: this.recordLine });
    this.fields = [];
    this.startField();
    this.open = false;
  }

  /**
   * Clears the field state as soon as a field ends, not when the next one's first character
   * arrives: a last field with no character at all (`a,b,` at the end of input) must read as
   * empty, not as a copy of the field before it.
   */
  private startField(): void {
    this.acc = "";
    this.quotedLength = 0;
    this.wasQuoted = false;
    this.mode = Mode.FieldStart;
  }

  private tooLong(line: number): never {
    throw new InputError(
      `${this.file}:${line}: record is longer than ${this.maxRecordLength} characters`,
      this.file,
      line,
    );
  }
}

/** Pushes the comma-separated slices of text[from, to). */
function splitCommas(text: string, from: number, to: number, fields: string[]): void {
  let comma = text.indexOf(",", from);
  while (comma >= 0 && comma < to) {
    fields.push(text.slice(from, comma));
    from = comma + 1;
    comma = text.indexOf(",", from);
  }
  fields.push(text.slice(from, to));
}

/**
 * Streams records out of UTF-8 bytes, one batch per input chunk (one async hop per chunk, not
 * per row). A leading byte-order mark is dropped; invalid UTF-8 stops the read with its line.
 */
export async function* parseCsv(
  source: AsyncIterable<Uint8Array>,
  options: CsvReadOptions,
): AsyncGenerator<CsvRecord[]> {
  const parser = new CsvTextParser(options);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let previous: Uint8Array | undefined;
  for await (const chunk of source) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw invalidUtf8(options.file, parser.currentLine + linesBeforeInvalid(previous, chunk));
    }
    previous = chunk;
    const records = parser.push(text);
    if (records.length > 0) yield records;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw invalidUtf8(options.file, parser.currentLine);
  }
  const records = parser.end(parser.push(rest));
  if (records.length > 0) yield records;
}

function invalidUtf8(file: string, line: number): InputError {
  return new InputError(`${file}:${line}: bytes are not valid UTF-8`, file, line);
}

/**
 * Newlines in `chunk` before its first invalid UTF-8 sequence. Only runs once the decoder
 * has refused a chunk, so it may be slow; the sequence may have begun in the previous chunk.
 */
function linesBeforeInvalid(previous: Uint8Array | undefined, chunk: Uint8Array): number {
  const carried = previous ? incompleteTail(previous) : 0;
  const bytes = new Uint8Array(carried + chunk.length);
  if (previous) bytes.set(previous.subarray(previous.length - carried));
  bytes.set(chunk, carried);
  const bad = firstInvalid(bytes);
  let lines = 0;
  for (let i = 0; i < bad; i++) if (bytes[i] === LF) lines++;
  return lines;
}

/** How many bytes at the end of `bytes` start a multi-byte sequence they do not finish. */
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const b = bytes[bytes.length - back]!;
    if (b < 0x80) return 0;
    if (b >= 0xc0) return sequenceLength(b) > back ? back : 0;
  }
  return 0;
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
