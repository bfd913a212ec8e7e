import type { ColumnType } from "../../../contract/columns.ts";
import { ChunkedNumbers, type ChunkedParts } from "../../../columnar/growable.ts";
import { Utf8Values, isIndexed, valueCount, type Column, type Indexed } from "../../../columnar/columns.ts";
import { isoFromDayNumber } from "../../../core/dates.ts";
import { StoreError } from "../../../core/errors.ts";

/**
 * An index's keys, collected as the table's rows arrive: a number per row and key column (an
 * integer itself, or a text's dictionary id). They are then handed to the index worker
 * (index-worker.ts), which sorts and writes the index (index-build.ts) on another core while
 * this thread writes the next tables.
 */

export interface IndexDef {
  name: string;
  /** Columns of the table, integer or text. */
  columns: readonly number[];
}

/** One key column's values as handed over: integers (NaN for NULL), or text ids (0 for NULL) and the texts by id - 1. */
export type KeyValues = { text: false; numbers: ChunkedParts<Float64Array> } | { text: true; ids: ChunkedParts<Uint32Array>; texts: string[] };

/** One key column's values so far. */
class KeyColumn {
  private readonly values: ChunkedNumbers<Float64Array> | ChunkedNumbers<Uint32Array>;
  private readonly dictionary = new Map<string, number>();
  private readonly texts: string[] = [];
  /** The Indexed batch's values being pushed, and the id each of its entries has (-1: not looked up yet). */
  private entries: Indexed["values"] | undefined;
  private entryIds = new Int32Array(0);

  constructor(readonly text: boolean) {
    this.values = text ? new ChunkedNumbers((n) => new Uint32Array(n)) : new ChunkedNumbers((n) => new Float64Array(n));
  }

  push(column: Column, from: number, count: number): void {
    if (isIndexed(column)) return this.pushIndexed(column, from, count);
    const { values } = this;
    if (this.text) {
      for (let r = from; r < from + count; r++) {
        const value = column[r];
        values.push(value === null || value === undefined ? 0 : this.idOf(String(value)));
      }
      return;
    }
    for (let r = from; r < from + count; r++) {
      const value = column[r] ?? null;
      if (value !== null && (typeof value !== "number" || !Number.isSafeInteger(value))) {
        throw new StoreError("failed", `an indexed integer column holds ${JSON.stringify(value)}`);
      }
      values.push(value === null ? Number.NaN : value);
    }
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
    for (let r = from; r < from + count; r++) {
      const at = index[r]!;
      if (!(at >= 0 && at < ids.length)) {
        this.values.push(0);
        continue;
      }
      let id = ids[at]!;
      if (id < 0) {
        const text = entries instanceof Utf8Values ? entries.get(at) : entries instanceof Int32Array ? isoFromDayNumber(entries[at]!) : String(entries[at]);
        id = ids[at] = this.idOf(text);
      }
      this.values.push(id);
    }
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
    return this.text
      ? { text: true, ids: (this.values as ChunkedNumbers<Uint32Array>).parts(), texts: this.texts }
      : { text: false, numbers: (this.values as ChunkedNumbers<Float64Array>).parts() };
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
