/**
 * The columns of a batch as CSV fields in bytes, exactly as csvField would spell them (SPEC:
 * RFC 4180 quoting, numbers as `String(n)` with -0 as 0, dates `YYYY-MM-DD`, null empty), but
 * without a JavaScript string per cell. A field encodes a run of rows in one loop of its own,
 * which the JIT compiles early and well; table.ts then joins the runs' fields into lines.
 */
import { csvField } from "../csv.ts";
import { isoFromDayNumber } from "../../core/dates.ts";
import { isIndexed, Utf8Values, type Column } from "../../columnar/columns.ts";
import { DAY_MAX, DAYS, NUMBER_MAX, writeNumber } from "./spelling.ts";
import type { Cell, ColumnType } from "../../contract/columns.ts";

/** One column of a batch, ready to encode any run of its rows. */
export interface Field {
  /** The most bytes one of its cells can take. */
  readonly max: number;
  /**
   * Writes the cells of rows [from, to) one after another from `at`, each row's end offset into
   * `ends` from `endsAt` on; returns where the last ends.
   */
  encode(from: number, to: number, out: Uint8Array, at: number, ends: Int32Array, endsAt: number): number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

export function fieldOf(column: Column, type: ColumnType): Field {
  if (isIndexed(column)) {
    const { values, index } = column;
    if (values instanceof Utf8Values) return new TextField(values, index);
    return type === "date" ? new DayField(values as Int32Array, index) : new NumberField(values as Float64Array, index);
  }
  if (column instanceof Int32Array && type === "date") return new DayField(column, null);
  if (column instanceof Float64Array && type !== "date") return new NumberField(column, null);
  return new CellField(column, type);
}

/**
 * Numbers, through an index when given (outside it: null). DayField is its deliberate twin:
 * one loop per array type keeps each monomorphic, the hottest loops of gold's CSV writing.
 */
class NumberField implements Field {
  readonly max = NUMBER_MAX;

  constructor(
    private readonly values: Float64Array,
    private readonly index: Int32Array | null,
  ) {}

  encode(from: number, to: number, out: Uint8Array, at: number, ends: Int32Array, endsAt: number): number {
    const { values, index } = this;
    for (let row = from; row < to; row++) {
      const i = index === null ? row : index[row]!;
      if (i >= 0 && i < values.length) at = writeNumber(values[i]!, out, at);
      ends[endsAt++] = at;
    }
    return at;
  }
}

/** Day numbers as `YYYY-MM-DD`, through an index when given (outside it: null). */
class DayField implements Field {
  readonly max = DAY_MAX;

  constructor(
    private readonly values: Int32Array,
    private readonly index: Int32Array | null,
  ) {}

  encode(from: number, to: number, out: Uint8Array, at: number, ends: Int32Array, endsAt: number): number {
    const { values, index } = this;
    for (let row = from; row < to; row++) {
      const i = index === null ? row : index[row]!;
      if (i >= 0 && i < values.length) at = DAYS.write(values[i]!, out, at);
      ends[endsAt++] = at;
    }
    return at;
  }
}

/** Whether each entry of a Utf8Values needs quotes: 0 not known yet, 1 no, 2 yes. Kept while the values live. */
const quoting = new WeakMap<Utf8Values, Uint8Array>();

class TextField implements Field {
  readonly max: number;
  readonly #quoting: Uint8Array;

  constructor(
    private readonly values: Utf8Values,
    private readonly index: Int32Array,
  ) {
    this.max = values.maxLength * 2 + 2; // every byte a doubled quote, inside quotes
    let known = quoting.get(values);
    if (!known || known.length < values.count) {
      const grown = new Uint8Array(values.count);
      if (known) grown.set(known);
      quoting.set(values, (known = grown));
    }
    this.#quoting = known;
  }

  encode(from: number, to: number, out: Uint8Array, at: number, ends: Int32Array, endsAt: number): number {
    const { index } = this;
    const { bytes, starts, count } = this.values;
    const quoted = this.#quoting;
    for (let row = from; row < to; row++) {
      const i = index[row]!;
      if (i >= 0 && i < count) {
        const start = starts[i]!;
        const end = starts[i + 1]!;
        if (quoted[i] === 0) quoted[i] = needsQuotes(bytes, start, end) ? 2 : 1;
        if (quoted[i] === 1) for (let p = start; p < end; p++) out[at++] = bytes[p]!;
        else at = writeQuoted(bytes, start, end, out, at);
      }
      ends[endsAt++] = at;
    }
    return at;
  }
}

function writeQuoted(bytes: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  out[at++] = QUOTE;
  for (let p = start; p < end; p++) {
    const b = bytes[p]!;
    if (b === QUOTE) out[at++] = QUOTE;
    out[at++] = b;
  }
  out[at++] = QUOTE;
  return at;
}

/**
 * csvField's rule on UTF-8 bytes: a quote, comma, CR or LF anywhere, or a first or last
 * character that String.prototype.trim would remove. Those edge characters are asked of
 * csvField itself, one character at a time, so the two can never disagree.
 */
export function needsQuotes(bytes: Uint8Array, start: number, end: number): boolean {
  if (start === end) return false;
  for (let p = start; p < end; p++) {
    const b = bytes[p]!;
    if (b === QUOTE || b === COMMA || b === LF || b === CR) return true;
  }
  let last = end - 1;
  while (last > start && (bytes[last]! & 0xc0) === 0x80) last--; // back over continuation bytes
  return trimmable(bytes, start) || trimmable(bytes, last);
}

/** Whether the character starting at `p` is one String.prototype.trim removes. */
function trimmable(bytes: Uint8Array, p: number): boolean {
  const b = bytes[p]!;
  if (b > 0x20 && b < 0x7f) return false; // printable ASCII, the usual case
  if (b >= 0xf0) return false; // beyond U+FFFF: no white space there
  const c =
    b < 0x80
      ? b
      : b < 0xe0
        ? ((b & 0x1f) << 6) | (bytes[p + 1]! & 0x3f)
        : ((b & 0x0f) << 12) | ((bytes[p + 1]! & 0x3f) << 6) | (bytes[p + 2]! & 0x3f);
  const char = String.fromCharCode(c);
  return csvField(char) !== char;
}

/** Cells of the small tables: each spelled by csvField, then copied as UTF-8. */
class CellField implements Field {
  readonly max: number;
  readonly #text: string[];

  constructor(cells: ArrayLike<Cell>, type: ColumnType) {
    const text = new Array<string>(cells.length);
    let longest = 0;
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i] ?? null;
      text[i] = csvField(type === "date" && typeof v === "number" ? isoFromDayNumber(v) : v);
      if (text[i]!.length > longest) longest = text[i]!.length;
    }
    this.#text = text;
    this.max = longest * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
  }

  encode(from: number, to: number, out: Uint8Array, at: number, ends: Int32Array, endsAt: number): number {
    for (let row = from; row < to; row++) {
      at += utf8.encodeInto(this.#text[row]!, out.subarray(at)).written;
      ends[endsAt++] = at;
    }
    return at;
  }
}

const utf8 = new TextEncoder();
