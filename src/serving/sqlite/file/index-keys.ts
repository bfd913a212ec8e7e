import type { ColumnType } from "../../../contract/columns.ts";
import { ChunkedNumbers, type ChunkedParts } from "../../../columnar/growable.ts";
import { Utf8Values, isIndexed, valueCount, type Column, type Indexed } from "../../../columnar/columns.ts";
import { isoFromDayNumber } from "../../../core/dates.ts";
import { StoreError } from "../../../core/errors.ts";
import { NarrowIntegers, type IntegerParts } from "./narrow-integers.ts";

/**
 * An index's keys, collected as the table's rows arrive: a number per row and key column (an
 * integer, or a text's dictionary id), in as few bytes as it needs (narrow-integers.ts). They
 * are then handed to the index worker (index-worker.ts), which sorts and writes the index
 * (index-build.ts) on another core while this thread writes the next tables.
 */

export interface IndexDef {
  name: string;
  /** Columns of the table, integer or text. */
  columns: readonly number[];
}

/**
 * One key column's values as handed over: text ids (0 for NULL) and the texts by id - 1; or
 * integers, `shifted` by one (0 for NULL) while every one is 0 or more, as they are in almost
 * every index (ids, counts), else `raw` doubles (NaN for NULL).
 */
export type KeyValues =
  | { text: true; ids: IntegerParts; texts: string[] }
  | { text: false; shifted: IntegerParts }
  | { text: false; raw: ChunkedParts<Float64Array> };

/** One key column's values so far. */
class KeyColumn {
  private readonly ids = new NarrowIntegers();
  /** An integer column once a value below 0 came: every value so far, as it is. */
  private raw: ChunkedNumbers<Float64Array> | undefined;
  private readonly dictionary = new Map<string, number>();
  private readonly texts: string[] = [];
  /** The Indexed batch's values being pushed, and the id each of its entries has (-1: not looked up yet). */
  private entries: Indexed["values"] | undefined;
  private entryIds = new Int32Array(0);
  /** A batch's ids, or its integers shifted, before they are appended at once; reused, as fresh memory costs. */
  private ints = new Int32Array(0);
  private doubles = new Float64Array(0);

  constructor(readonly text: boolean) {}

  push(column: Column, from: number, count: number): void {
    if (isIndexed(column)) return this.pushIndexed(column, from, count);
    const { ids } = this;
    if (this.text) {
      for (let r = from; r < from + count; r++) {
        const value = column[r];
        ids.push(value === null || value === undefined ? 0 : this.idOf(String(value)));
      }
      return;
    }
    if (!this.raw && column instanceof Float64Array && this.pushShifted(column, from, count)) return;
    for (let r = from; r < from + count; r++) {
      const value = column[r] ?? null;
      if (value !== null && (typeof value !== "number" || !Number.isSafeInteger(value))) {
        throw new StoreError("failed", `an indexed integer column holds ${JSON.stringify(value)}`);
      }
      if (this.raw) this.raw.push(value === null ? Number.NaN : value);
      else if (value === null) ids.push(0);
      else if (value >= 0 && value < Number.MAX_SAFE_INTEGER) ids.push(value + 1);
      else this.toRaw(value);
    }
  }

  /**
   * True, and the values pushed shifted, when every one is a safe integer from 0: integers as
   * the Parquet reader hands them, a batch at a time. Else false, and nothing pushed.
   */
  private pushShifted(column: Float64Array, from: number, count: number): boolean {
    if (this.doubles.length < count) this.doubles = new Float64Array(count);
    const shifted = this.doubles;
    for (let r = from, i = 0; r < from + count; r++, i++) {
      const value = column[r]!;
      if (!(Number.isSafeInteger(value) && value >= 0 && value < Number.MAX_SAFE_INTEGER)) return false;
      shifted[i] = value + 1;
    }
    this.ids.pushAll(shifted, 0, count);
    return true;
  }

  /** The first value that is not shifted: every value so far becomes raw, and the column stays so. */
  private toRaw(value: number): void {
    const raw = new ChunkedNumbers((n) => new Float64Array(n));
    for (let i = 0; i < this.ids.length; i++) {
      const shifted = this.ids.at(i);
      raw.push(shifted === 0 ? Number.NaN : shifted - 1);
    }
    raw.push(value);
    this.raw = raw;
  }

  /**
   * An Indexed column (text, or dates as day numbers): each of the batch's entries is looked
   * up once, and its rows take its id; the batch comes in slices, `from` rising from 0.
   */
  private pushIndexed(column: Indexed, from: number, count: number): void {
    if (!this.text) throw new StoreError("failed", "an indexed integer column came as Indexed values");
    const { values: entries, index } = column;
    // A batch starts at row 0; the reader may reuse the same memory for the next one's values.
    if (from === 0 || entries !== this.entries) {
      this.entries = entries;
      this.entryIds = new Int32Array(valueCount(entries)).fill(-1);
    }
    const ids = this.entryIds;
    if (this.ints.length < count) this.ints = new Int32Array(count);
    const out = this.ints;
    for (let r = from, i = 0; r < from + count; r++, i++) {
      const at = index[r]!;
      if (!(at >= 0 && at < ids.length)) {
        out[i] = 0;
        continue;
      }
      let id = ids[at]!;
      if (id < 0) {
        const text = entries instanceof Utf8Values ? entries.get(at) : entries instanceof Int32Array ? isoFromDayNumber(entries[at]!) : String(entries[at]);
        id = ids[at] = this.idOf(text);
      }
      out[i] = id;
    }
    this.ids.pushAll(out, 0, count);
  }

  private idOf(text: string): number {
    let id = this.dictionary.get(text);
    if (id === undefined) {
      this.texts.push(text);
      id = this.texts.length;
      this.dictionary.set(text, id);
    }
    return id;
  }

  handOff(): KeyValues {
    if (this.text) return { text: true, ids: this.ids.parts(), texts: this.texts };
    return this.raw ? { text: false, raw: this.raw.parts() } : { text: false, shifted: this.ids.parts() };
  }
}

export class IndexKeys {
  private readonly keys: KeyColumn[];

  constructor(
    readonly def: IndexDef,
    types: readonly ColumnType[],
  ) {
    this.keys = def.columns.map((c) => {
      const type = types[c]!;
      if (type === "double") throw new StoreError("failed", `index ${def.name}: a REAL column cannot be a key here`);
      return new KeyColumn(type !== "int");
    });
  }

  push(values: readonly (Column | undefined)[], from: number, count: number): void {
    this.def.columns.forEach((c, k) => this.keys[k]!.push(values[c]!, from, count));
  }

  /** The keys, for the index worker; the collector is done with them (their chunks are transferred). */
  handOff(): KeyValues[] {
    return this.keys.map((k) => k.handOff());
  }
}

