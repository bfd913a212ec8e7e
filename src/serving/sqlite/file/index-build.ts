import { CHUNK, ChunkedNumbers } from "../../../columnar/growable.ts";
import { compareCodePoints } from "../../../core/text-order.ts";
import { IndexTree } from "./btree.ts";
import type { PageFile } from "./page-file.ts";
import type { KeyValues } from "./index-keys.ts";
import { NarrowIntegers, type IntegerChunk } from "./narrow-integers.ts";
import { integerSerial, serialBytes, varintLength, writeInteger, writeVarint } from "./record.ts";

/**
 * An index's entries sorted into SQLite's order and written as an index b-tree: each entry the
 * key columns' values and the rowid, ordered by them in turn, NULL first, integers by value,
 * text by its UTF-8 bytes (SQLite's BINARY collation, code-point order). Each row's key
 * becomes one number, its columns' ranks in mixed radix, and the entries are written from the
 * sorted numbers and rowids alone: no reading back row by row, which at ten million rows is a
 * cache miss per entry.
 */

const ENCODER = new TextEncoder();

/** The largest rowid of each integer serial type (8: the constant 0, 9: 1). */
const LARGEST_OF_SERIAL = [0, 0x7f, 0x7fff, 0x7fffff, 0x7fffffff, 0x7fffffffffff, Number.MAX_SAFE_INTEGER, 0, 0, 1];

/** One key column, ranked: each value's rank in index order (NULL is 0). */
class RankedKey {
  /** Text ids or shifted integers (0 for NULL); or, `raw`, integers as they are (NaN for NULL). */
  private values: NarrowIntegers | ChunkedNumbers<Float64Array> | undefined;
  private readonly raw: boolean;
  private readonly texts: string[];
  readonly text: boolean;
  /** After `rank`: how many ranks there are. */
  cardinality = 0;
  /** The lowest value (shifted or raw) of an integer column: rank 1. */
  private min = 0;
  private rankOfId = new Uint32Array(0);
  /** A text's UTF-8 bytes and serial type, by rank. */
  private bytesOfRank: Uint8Array[] = [];
  private serialOfRank = new Int32Array(0);

  constructor(key: KeyValues) {
    this.text = key.text;
    this.raw = "raw" in key;
    this.values = "raw" in key ? ChunkedNumbers.of(key.raw, (n) => new Float64Array(n)) : NarrowIntegers.of(key.text ? key.ids : key.shifted);
    this.texts = key.text ? key.texts : [];
  }

  /** Fixes the ranks once every row is in. */
  rank(rows: number): void {
    if (this.text) {
      const order = this.texts.map((_, i) => i).sort((a, b) => compareCodePoints(this.texts[a]!, this.texts[b]!));
      this.rankOfId = new Uint32Array(this.texts.length + 1);
      order.forEach((i, rank) => (this.rankOfId[i + 1] = rank + 1));
      this.cardinality = this.texts.length + 1;
      // Each distinct text encoded once, for every entry that holds it.
      this.bytesOfRank = [new Uint8Array(0), ...order.map((i) => ENCODER.encode(this.texts[i]!))];
      this.serialOfRank = Int32Array.from(this.bytesOfRank, (bytes, rank) => (rank === 0 ? 0 : 13 + 2 * bytes.length));
      return;
    }
    let min = Infinity;
    let max = -Infinity;
    const { chunks } = this.values!.parts();
    // Shifted, NULL is 0 and left out; raw, it is NaN, which no comparison takes.
    const lowest = this.raw ? -Infinity : 1;
    for (let c = 0, r = 0; r < rows; c++) {
      const chunk = chunks[c]!;
      const n = Math.min(chunk.length, rows - r);
      for (let i = 0; i < n; i++) {
        const v = chunk[i]!;
        if (v >= lowest && v < min) min = v;
        if (v > max) max = v;
      }
      r += n;
    }
    this.min = min;
    this.cardinality = max >= min ? max - min + 2 : 1;
  }

  /** Folds the ranks of chunk `c`'s `n` rows into `out`: `out[i] × cardinality + rank`. */
  foldChunk(c: number, out: Float64Array, n: number): void {
    const { cardinality, rankOfId } = this;
    const chunk = this.values!.parts().chunks[c]!;
    if (this.text) {
      for (let i = 0; i < n; i++) out[i] = out[i]! * cardinality + rankOfId[chunk[i]!]!;
    } else if (this.raw) {
      const offset = 1 - this.min;
      for (let i = 0; i < n; i++) {
        const v = chunk[i]!;
        out[i] = out[i]! * cardinality + (Number.isNaN(v) ? 0 : v + offset);
      }
    } else {
      const offset = 1 - this.min;
      for (let i = 0; i < n; i++) {
        const v = chunk[i]!;
        out[i] = out[i]! * cardinality + (v === 0 ? 0 : v + offset);
      }
    }
  }

  /** The values are not read again (entries are written from ranks): their memory can go. */
  release(): void {
    this.values = undefined;
  }

  /** What orders row r, always exactly: a text's rank, an integer itself, NULL lowest. */
  orderAt(row: number): number {
    const v = this.values!.at(row);
    if (this.text) return this.rankOfId[v]!;
    if (this.raw) return Number.isNaN(v) ? -Infinity : v;
    return v === 0 ? -Infinity : v - 1;
  }

  /** Appends to `out` the key value of a rank (entries sorted by rank) or of a row (sorted otherwise). */
  value(of: { rank: number } | { row: number }, out: KeyPart): void {
    if (this.text) {
      const rank = "rank" in of ? of.rank : this.rankOfId[this.values!.at(of.row)]!;
      out.put(this.serialOfRank[rank]!, this.bytesOfRank[rank]!);
      return;
    }
    const stored = "rank" in of ? (of.rank === 0 ? Number.NaN : of.rank - 1 + this.min) : this.values!.at(of.row);
    out.putInteger(this.raw ? stored : stored === 0 ? Number.NaN : stored - 1);
  }
}

/** The key's part of an entry's record, kept while entries share a key: serial types, then values. */
class KeyPart {
  serials = new Uint8Array(64);
  serialsLength = 0;
  values = new Uint8Array(256);
  valuesLength = 0;

  clear(): void {
    this.serialsLength = 0;
    this.valuesLength = 0;
  }

  put(serial: number, bytes: Uint8Array): void {
    this.room(bytes.length);
    this.serialsLength = writeVarint(this.serials, this.serialsLength, serial);
    this.values.set(bytes, this.valuesLength);
    this.valuesLength += bytes.length;
  }

  putInteger(value: number): void {
    this.room(8);
    const serial = Number.isNaN(value) ? 0 : integerSerial(value);
    this.serialsLength = writeVarint(this.serials, this.serialsLength, serial);
    if (serial !== 0) this.valuesLength = writeInteger(this.values, this.valuesLength, value, serial);
  }

  private room(bytes: number): void {
    if (this.serials.length < this.serialsLength + 9) this.serials = grown(this.serials, this.serialsLength + 9);
    if (this.values.length < this.valuesLength + bytes) this.values = grown(this.values, this.valuesLength + bytes);
  }
}

/**
 * Sorts the entries of the rows (their rowids rising, in `rowids`) and writes their b-tree;
 * answers its root page. Keys of few distinct values, as index keys mostly are, are counted
 * into place (a counting sort: two passes over the keys, no comparison); wider ones pack with
 * the rowid into doubles sorted natively; the widest are sorted with a comparator.
 */
export function writeIndex(values: readonly KeyValues[], rowids: NarrowIntegers, pages: PageFile): number {
  const keys = values.map((v) => new RankedKey(v));
  const rows = rowids.length;
  for (const key of keys) key.rank(rows);
  const writer = new EntryWriter(new IndexTree(pages));
  // Rowids rise, so the last is the largest.
  const stride = rows > 0 ? rowids.at(rows - 1) + 1 : 1;
  const span = keys.reduce((product, k) => product * k.cardinality, 1);
  if (span <= rows + CHUNK) writeCounted(keys, span, rowids, writer);
  else if (span * stride <= Number.MAX_SAFE_INTEGER) writePacked(keys, stride, rowids, writer);
  else writeCompared(keys, rowids, writer);
  return writer.tree.finish();
}

/** The key of composite rank `composite` (the key columns' ranks in mixed radix) into `key`. */
function setKey(keys: readonly RankedKey[], composite: number, key: KeyPart, ranks: number[]): void {
  let rest = composite;
  for (let k = keys.length - 1; k >= 0; k--) {
    const cardinality = keys[k]!.cardinality;
    ranks[k] = rest % cardinality;
    rest = (rest - ranks[k]!) / cardinality;
  }
  key.clear();
  for (let k = 0; k < keys.length; k++) keys[k]!.value({ rank: ranks[k]! }, key);
}

/**
 * Each row's composite rank counted, then its rowid put in its key's place: rows come in rowid
 * order, so within a key the rowids rise, as the index wants them. Memory: a count per key and
 * the rowids once, in their own width. Each pass is a function of its own: the JIT compiles a
 * long loop of a function called once by entering the function mid-loop, the whole function
 * each time, so three passes in one function were compiled three times over (0.19 s of compile
 * time in the two index workers at 1M purchases).
 */
function writeCounted(keys: readonly RankedKey[], span: number, rowids: NarrowIntegers, writer: EntryWriter): void {
  const rows = rowids.length;
  const composite = new Float64Array(CHUNK);
  const fold = (c: number, n: number) => {
    composite.fill(0, 0, n);
    for (const k of keys) k.foldChunk(c, composite, n);
  };
  // next[k]: where the next entry of composite k goes (after the prefix sums below).
  const next = new Uint32Array(span + 1);
  for (let c = 0, r = 0; r < rows; c++, r += CHUNK) {
    const n = Math.min(CHUNK, rows - r);
    fold(c, n);
    countChunk(composite, n, next);
  }
  for (let k = 1; k <= span; k++) next[k] = next[k]! + next[k - 1]!;
  const sorted = NarrowIntegers.array(rowids.parts().width, rows);
  const ids = rowids.parts().chunks;
  for (let c = 0, r = 0; r < rows; c++, r += CHUNK) {
    const n = Math.min(CHUNK, rows - r);
    fold(c, n);
    placeChunk(composite, n, ids[c]!, next, sorted);
  }
  for (const k of keys) k.release();
  emitCounted(keys, span, next, sorted, writer);
}

function countChunk(composite: Float64Array, n: number, next: Uint32Array): void {
  for (let i = 0; i < n; i++) {
    const at = composite[i]! + 1;
    next[at] = next[at]! + 1;
  }
}

function placeChunk(composite: Float64Array, n: number, chunk: IntegerChunk, next: Uint32Array, sorted: IntegerChunk): void {
  for (let i = 0; i < n; i++) {
    const at = composite[i]!;
    sorted[next[at]!] = chunk[i]!;
    next[at] = next[at]! + 1;
  }
}

/** The entries in key order: each next[k] is now where composite k's entries end. */
function emitCounted(keys: readonly RankedKey[], span: number, next: Uint32Array, sorted: IntegerChunk, writer: EntryWriter): void {
  const key = new KeyPart();
  const ranks = new Array<number>(keys.length).fill(0);
  for (let k = 0, start = 0; k < span; k++) {
    const end = next[k]!;
    if (end === start) continue;
    setKey(keys, k, key, ranks);
    writer.addRun(key, sorted, start, end);
    start = end;
  }
}

/** Each entry one double, its composite rank and its rowid, a million entries sorted natively as one array. */
function writePacked(keys: readonly RankedKey[], stride: number, rowids: NarrowIntegers, writer: EntryWriter): void {
  const rows = rowids.length;
  const packed = new Float64Array(rows);
  const ids = rowids.parts().chunks;
  for (let c = 0, r = 0; r < rows; c++, r += CHUNK) {
    const n = Math.min(CHUNK, rows - r);
    const part = packed.subarray(r, r + n);
    for (const k of keys) k.foldChunk(c, part, n);
    const chunk = ids[c]!;
    for (let i = 0; i < n; i++) part[i] = part[i]! * stride + chunk[i]!;
  }
  for (const k of keys) k.release();
  packed.sort();
  const key = new KeyPart();
  const ranks = new Array<number>(keys.length).fill(0);
  let last = -1;
  for (let i = 0; i < rows; i++) {
    const entry = packed[i]!;
    // A division and a correction of at most one: a double's % is several times slower.
    let composite = Math.floor(entry / stride);
    let rowid = entry - composite * stride;
    if (rowid < 0) {
      composite--;
      rowid += stride;
    } else if (rowid >= stride) {
      composite++;
      rowid -= stride;
    }
    const changed = composite !== last;
    if (changed) {
      setKey(keys, composite, key, ranks);
      last = composite;
    }
    writer.add(key, rowid, changed);
  }
}

/** Keys too wide to pack with the rowid: rows sorted with a comparator, far slower, read back one by one. */
function writeCompared(keys: readonly RankedKey[], rowids: NarrowIntegers, writer: EntryWriter): void {
  const rows = rowids.length;
  const order = keys.map((k) => Float64Array.from({ length: rows }, (_, r) => k.orderAt(r)));
  const rowsInOrder = Uint32Array.from({ length: rows }, (_, r) => r).sort((a, b) => {
    for (const column of order) if (column[a] !== column[b]) return column[a]! < column[b]! ? -1 : 1;
    return a - b;
  });
  const key = new KeyPart();
  for (const row of rowsInOrder) {
    key.clear();
    for (const k of keys) k.value({ row }, key);
    writer.add(key, rowids.at(row), true);
  }
}

/**
 * Entries' records into the tree: the header (its size, the key's serial types, the rowid's),
 * the key's values, the rowid. Entries in a row that share a key and the rowid's serial type
 * differ only in the rowid's bytes: the rest is put together once, and copied for each.
 */
class EntryWriter {
  private record = new Uint8Array(256);
  /** The record up to the rowid's bytes, for the current key and rowid serial type. */
  private prefix = new Uint8Array(256);
  private prefixLength = 0;
  private rowidSerial = -1;

  constructor(readonly tree: IndexTree) {}

  /**
   * Entries `rowids[from..to)`, rising, of one key that is not the previous entry's: a leaf's
   * worth at a time through `IndexTree.fill`, each cell a copy of the one before but the rowid:
   * writing 10M entries took 0.63x the time of an `add` each for a key like fact_achats'
   * (pays, produit, date_achat) and 0.78x for one like id_client (paired runs).
   */
  addRun(key: KeyPart, rowids: ArrayLike<number>, from: number, to: number): void {
    for (let i = from; i < to; ) {
      const serial = integerSerial(rowids[i]!);
      if (i === from || serial !== this.rowidSerial) this.setPrefix(key, serial);
      // The rowids rise: those of this serial type come first.
      const largest = LARGEST_OF_SERIAL[serial]!;
      let end = i;
      while (end < to && rowids[end]! <= largest) end++;
      const bytes = serialBytes(serial);
      while (i < end) {
        i = this.tree.fill(this.prefix, this.prefixLength, rowids, i, end, bytes);
        // A full leaf, or a record fill does not take: one entry the general way.
        if (i < end) this.add(key, rowids[i++]!, false);
      }
    }
  }

  /** `changed`: the key is not the previous entry's. */
  add(key: KeyPart, rowid: number, changed: boolean): void {
    const rowidSerial = integerSerial(rowid);
    if (changed || rowidSerial !== this.rowidSerial) this.setPrefix(key, rowidSerial);
    const { prefix, prefixLength } = this;
    const size = prefixLength + serialBytes(rowidSerial);
    // Straight into the leaf where it fits; through a copy where it moves up or spills.
    const placed = this.tree.place(size);
    if (placed < 0 && this.record.length < size) this.record = new Uint8Array(size * 2);
    const out = placed < 0 ? this.record : this.tree.bytes;
    let at = placed < 0 ? 0 : placed;
    for (let b = 0; b < prefixLength; b++) out[at++] = prefix[b]!;
    writeInteger(out, at, rowid, rowidSerial);
    if (placed < 0) this.tree.add(this.record, 0, size);
  }

  private setPrefix(key: KeyPart, rowidSerial: number): void {
    let header = 1 + key.serialsLength + varintLength(rowidSerial);
    if (header > 127) header++;
    const length = header + key.valuesLength;
    if (this.prefix.length < length) this.prefix = new Uint8Array(length * 2);
    const out = this.prefix;
    const { serials, serialsLength, values, valuesLength } = key;
    // Loops, not set(subarray()): the view costs more than copying a few bytes.
    let at = writeVarint(out, 0, header);
    for (let b = 0; b < serialsLength; b++) out[at++] = serials[b]!;
    at = writeVarint(out, at, rowidSerial);
    for (let b = 0; b < valuesLength; b++) out[at++] = values[b]!;
    this.prefixLength = length;
    this.rowidSerial = rowidSerial;
  }
}

function grown(bytes: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const bigger = new Uint8Array(size * 2);
  bigger.set(bytes);
  return bigger;
}
