import type { Cell, ColumnType } from "../../../contract/columns.ts";
import { GrowableFloat64, GrowableUint32 } from "../../../columnar/growable.ts";
import { Utf8Values, isIndexed, valueCount, type Column, type Indexed } from "../../../columnar/columns.ts";
import { isoFromDayNumber } from "../../../core/dates.ts";
import { StoreError } from "../../../core/errors.ts";
import { compareCodePoints } from "../../../core/text-order.ts";
import { IndexTree, type PageFile } from "./btree.ts";
import { integerSerial, serialBytes, varintLength, writeInteger, writeVarint } from "./record.ts";

const ENCODER = new TextEncoder();

/**
 * An index's keys, collected as the table's rows arrive, then sorted into SQLite's order and
 * written as an index b-tree: each entry the key columns' values and the rowid, ordered by
 * them in turn, NULL first, integers by value, text by its UTF-8 bytes (SQLite's BINARY
 * collation, code-point order). A key column's values are kept as numbers, text as dictionary
 * ids, so that a million entries sort as one array of doubles.
 */

export interface IndexDef {
  name: string;
  /** Columns of the table, integer or text. */
  columns: readonly number[];
}

/** One key column: its values so far, and after `rank()` each value's place in index order. */
class KeyColumn {
  private readonly numbers = new GrowableFloat64();
  private readonly ids = new GrowableUint32();
  private readonly dictionary = new Map<string, number>();
  private readonly texts: string[] = [];
  /** After `rank`: the number of ranks (NULL is 0), and text values by rank. */
  cardinality = 0;
  private min = 0;
  private rankOfId = new Uint32Array(0);
  private idValues: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private numberValues: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private encoded: Uint8Array[] = [];
  private serialOfId = new Int32Array(0);
  /** The Indexed batch's values being pushed, and the id each of its entries has (-1: not looked up yet). */
  private entries: Indexed["values"] | undefined;
  private entryIds = new Int32Array(0);

  constructor(readonly text: boolean) {}

  push(values: Column, from: number, count: number): void {
    if (isIndexed(values)) return this.pushIndexed(values, from, count);
    if (this.text) {
      for (let r = from; r < from + count; r++) {
        const value = values[r];
        this.ids.push(value === null || value === undefined ? 0 : this.idOf(String(value)));
      }
      return;
    }
    for (let r = from; r < from + count; r++) {
      const value = values[r] ?? null;
      if (value !== null && (typeof value !== "number" || !Number.isSafeInteger(value))) {
        throw new StoreError("failed", `an indexed integer column holds ${JSON.stringify(value)}`);
      }
      this.numbers.push(value === null ? Number.NaN : value);
    }
  }

  /**
   * An Indexed column (text, or dates as day numbers): each of the batch's entries is looked
   * up once, and its rows take its id; the batch comes in slices, `from` rising from 0.
   */
  private pushIndexed(column: Indexed, from: number, count: number): void {
    const { values, index } = column;
    // A batch starts at row 0; the reader may reuse the same memory for the next one's values.
    if (from === 0 || values !== this.entries) {
      this.entries = values;
      this.entryIds = new Int32Array(valueCount(values)).fill(-1);
    }
    if (!this.text) throw new StoreError("failed", "an indexed integer column came as Indexed values");
    const ids = this.entryIds;
    for (let r = from; r < from + count; r++) {
      const at = index[r]!;
      if (!(at >= 0 && at < ids.length)) {
        this.ids.push(0);
        continue;
      }
      let id = ids[at]!;
      if (id < 0) {
        const text = values instanceof Utf8Values ? values.get(at) : values instanceof Int32Array ? isoFromDayNumber(values[at]!) : String(values[at]);
        id = ids[at] = this.idOf(text);
      }
      this.ids.push(id);
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

  /** Fixes the ranks once every row is in. */
  rank(): void {
    this.idValues = this.ids.values();
    this.numberValues = this.numbers.values();
    if (this.text) {
      const order = this.texts.map((_, i) => i).sort((a, b) => compareCodePoints(this.texts[a]!, this.texts[b]!));
      this.rankOfId = new Uint32Array(this.texts.length + 1);
      order.forEach((i, rank) => (this.rankOfId[i + 1] = rank + 1));
      this.cardinality = this.texts.length + 1;
      // Each distinct text encoded once, for every entry that holds it.
      this.encoded = [new Uint8Array(0), ...this.texts.map((t) => ENCODER.encode(t))];
      this.serialOfId = Int32Array.from(this.encoded, (bytes, id) => (id === 0 ? 0 : 13 + 2 * bytes.length));
      return;
    }
    let min = Infinity;
    let max = -Infinity;
    for (const v of this.numberValues) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    this.min = min;
    this.cardinality = max >= min ? max - min + 2 : 1;
  }

  /** Row r's place in index order; exact when `cardinality` × the rows fit a double's 53 bits. */
  rankAt(row: number): number {
    if (this.text) return this.rankOfId[this.idValues[row]!]!;
    const v = this.numberValues[row]!;
    return Number.isNaN(v) ? 0 : v - this.min + 1;
  }

  /** What orders row r, always exactly: a text's rank, an integer itself, NULL lowest. */
  orderAt(row: number): number {
    if (this.text) return this.rankOfId[this.idValues[row]!]!;
    const v = this.numberValues[row]!;
    return Number.isNaN(v) ? -Infinity : v;
  }

  /** Row r's serial type in an index record. */
  serialAt(row: number): number {
    if (this.text) return this.serialOfId[this.idValues[row]!]!;
    const v = this.numberValues[row]!;
    return Number.isNaN(v) ? 0 : integerSerial(v);
  }

  /** Writes row r's value of serial type `serial` at `at`; answers the next offset. */
  writeAt(row: number, serial: number, out: Uint8Array, at: number): number {
    if (!this.text) return serial === 0 ? at : writeInteger(out, at, this.numberValues[row]!, serial);
    const bytes = this.encoded[this.idValues[row]!]!;
    for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i]!;
    return at + bytes.length;
  }
}

export class IndexKeys {
  private readonly keys: KeyColumn[];

  constructor(
    private readonly def: IndexDef,
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

  /** Sorts the entries of the `rowids.length` rows and writes their b-tree; answers its root page. */
  write(pages: PageFile, rowids: Float64Array): number {
    const { keys } = this;
    for (const key of keys) key.rank();
    const tree = new IndexTree(pages);
    const width = keys.length;
    let record = new Uint8Array(256);
    // The key's part of the record, kept while entries share a key (a run of equal keys is
    // common: a few countries, products and days among a million rows): its serial types, and
    // its values.
    const keySerials = new Uint8Array(9 * width);
    let keyValues: Uint8Array<ArrayBufferLike> = new Uint8Array(256);
    let serialsLength = 0;
    let valuesLength = 0;
    let lastKey = -1;
    const { entries, stride } = indexOrder(keys, rowids.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      // An int32, not the double the sort leaves: typed arrays index far faster by one.
      const row = (stride ? entry % stride : entry) | 0;
      const key = stride ? (entry - row) / stride : -1;
      if (key !== lastKey || key < 0) {
        serialsLength = 0;
        valuesLength = 0;
        for (let k = 0; k < width; k++) {
          const serial = keys[k]!.serialAt(row);
          serialsLength = writeVarint(keySerials, serialsLength, serial);
          const bytes = serialBytes(serial);
          if (keyValues.length < valuesLength + bytes) keyValues = grown(keyValues, valuesLength + bytes);
          valuesLength = keys[k]!.writeAt(row, serial, keyValues, valuesLength);
        }
        lastKey = key;
      }
      // The record: its header (its size, the key's serial types and the rowid's), the key's values, the rowid.
      const rowid = rowids[row]!;
      const rowidSerial = integerSerial(rowid);
      let header = 1 + serialsLength + varintLength(rowidSerial);
      if (header > 127) header++;
      const size = header + valuesLength + serialBytes(rowidSerial);
      // Straight into the leaf where it fits; through a copy where it moves up or spills.
      const placed = tree.place(size);
      if (placed < 0 && record.length < size) record = new Uint8Array(size * 2);
      const out = placed < 0 ? record : tree.bytes;
      let at = writeVarint(out, placed < 0 ? 0 : placed, header);
      for (let b = 0; b < serialsLength; b++) out[at++] = keySerials[b]!;
      at = writeVarint(out, at, rowidSerial);
      for (let b = 0; b < valuesLength; b++) out[at++] = keyValues[b]!;
      writeInteger(out, at, rowid, rowidSerial);
      if (placed < 0) tree.add(record, 0, size);
    }
    return tree.finish();
  }
}

/**
 * The entries in index order. Rowids rise with the row, so ties on the key fall in row order.
 * When every rank and the row fit one double's 53 bits, each entry is its key's rank times
 * `stride` plus its row, and they sort as one Float64Array (natively, many times faster than
 * with a comparator); otherwise they are the rows themselves and `stride` is 0.
 */
function indexOrder(keys: readonly KeyColumn[], rows: number): { entries: ArrayLike<number>; stride: number } {
  const stride = rows + 1;
  const span = keys.reduce((product, k) => product * k.cardinality, 1);
  if (span * stride <= Number.MAX_SAFE_INTEGER) {
    const packed = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let composite = 0;
      for (const key of keys) composite = composite * key.cardinality + key.rankAt(r);
      packed[r] = composite * stride + r;
    }
    return { entries: packed.sort(), stride };
  }
  const all = keys.map((key) => Float64Array.from({ length: rows }, (_, r) => key.orderAt(r)));
  const order = Uint32Array.from({ length: rows }, (_, r) => r).sort((a, b) => {
    for (const column of all) if (column[a] !== column[b]) return column[a]! < column[b]! ? -1 : 1;
    return a - b;
  });
  return { entries: order, stride: 0 };
}

function grown(bytes: Uint8Array, size: number): Uint8Array {
  const bigger = new Uint8Array(size * 2);
  bigger.set(bytes);
  return bigger;
}
