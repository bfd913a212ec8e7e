import type { PageFile } from "./page-file.ts";
import { varintLength, writeVarint } from "./record.ts";

/**
 * SQLite's b-tree pages (https://sqlite.org/fileformat2.html#b_tree_pages), built bottom-up
 * from keys that arrive in order: a table's rows by rowid, an index's entries sorted. Every page
 * is written once, as soon as it is full, so a table of any size takes a page of memory per
 * level of its tree.
 */

export const LEAF_TABLE = 13;
const INTERIOR_TABLE = 5;
const LEAF_INDEX = 10;
const INTERIOR_INDEX = 2;

/** One page being filled: header at `base` (100 on page 1), cell pointers after it, cells from the end down. */
export class PageBuilder {
  readonly bytes: Uint8Array;
  cells = 0;
  content: number;
  /** Offset and length of the last cell added, the one `popLast` takes back. */
  private lastAt = 0;
  private lastLength = 0;

  constructor(
    private readonly size: number,
    private readonly interior: boolean,
    private readonly base = 0,
  ) {
    this.bytes = new Uint8Array(size);
    this.content = size;
  }

  private get headerSize(): number {
    return this.interior ? 12 : 8;
  }

  fits(cellLength: number): boolean {
    return this.base + this.headerSize + 2 * (this.cells + 1) + cellLength <= this.content;
  }

  /** Room for a cell of `length` bytes, which the caller writes at the answered offset. */
  add(length: number): number {
    this.content -= length;
    const pointer = this.base + this.headerSize + 2 * this.cells;
    this.bytes[pointer] = this.content >> 8;
    this.bytes[pointer + 1] = this.content & 0xff;
    this.cells++;
    this.lastAt = this.content;
    this.lastLength = length;
    return this.content;
  }

  /** Becomes a copy of `other`, last cell included. */
  copyFrom(other: PageBuilder): void {
    this.bytes.set(other.bytes);
    this.cells = other.cells;
    this.content = other.content;
    this.lastAt = other.lastAt;
    this.lastLength = other.lastLength;
  }

  /** Takes the last cell back out (a copy of its bytes); only once in a row. */
  popLast(): Uint8Array {
    const cell = this.bytes.slice(this.lastAt, this.lastAt + this.lastLength);
    this.cells--;
    this.content += this.lastLength;
    this.lastLength = 0;
    return cell;
  }

  /** The finished page, ready to write; the builder is reset after `reset()`. */
  finish(type: number, rightChild = 0): Uint8Array {
    const { bytes, base } = this;
    bytes[base] = type;
    bytes[base + 1] = 0;
    bytes[base + 2] = 0;
    bytes[base + 3] = this.cells >> 8;
    bytes[base + 4] = this.cells & 0xff;
    const content = this.content === 65536 ? 0 : this.content;
    bytes[base + 5] = content >> 8;
    bytes[base + 6] = content & 0xff;
    bytes[base + 7] = 0;
    if (this.interior) writeUint32(bytes, base + 8, rightChild);
    bytes.fill(0, base + this.headerSize + 2 * this.cells, this.content);
    return bytes;
  }

  reset(): void {
    this.cells = 0;
    this.content = this.size;
    this.lastLength = 0;
  }
}

/** `to.set(from.subarray(…))` without the view it allocates, which costs more than a short copy. */
function copyBytes(from: Uint8Array, start: number, length: number, to: Uint8Array, at: number): void {
  if (length > 64) {
    to.set(from.subarray(start, start + length), at);
    return;
  }
  for (let i = 0; i < length; i++) to[at + i] = from[start + i]!;
}

export function writeUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

/**
 * How much of a payload of `size` bytes stays in its cell; the rest goes to overflow pages
 * (the file format's rule, which readers apply to find where a cell's payload goes on).
 */
function localSize(size: number, usable: number, maxLocal: number): number {
  if (size <= maxLocal) return size;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const k = minLocal + ((size - minLocal) % (usable - 4));
  return k <= maxLocal ? k : minLocal;
}

/** Writes `payload[from..to)` to a chain of overflow pages; answers the first page's number. */
function spill(file: PageFile, payload: Uint8Array, from: number, to: number): number {
  const room = file.pageSize - 4;
  // Consecutive numbers, so each page knows the next one's before it is written.
  const first = file.take(Math.ceil((to - from) / room));
  const page = new Uint8Array(file.pageSize);
  let number = first;
  for (let at = from; at < to; at += room, number++) {
    const end = Math.min(to, at + room);
    page.fill(0);
    writeUint32(page, 0, end < to ? number + 1 : 0);
    page.set(payload.subarray(at, end), 4);
    file.put(number, page);
  }
  return first;
}

/** Leaf pages written, in rowid order, each with the largest rowid in it. */
export interface LeafRun {
  pages: number[];
  lastRowids: number[];
}

/**
 * A table b-tree's leaves from rows in rising rowid order, filled one after the other. A run
 * of them can be ended (`endRun`) where a writer's share of the rows ends, and the runs of
 * several writers put in order under one set of interior pages (`tableInterior`).
 */
export class TableLeaves {
  private readonly leaf: PageBuilder;
  private run: LeafRun = { pages: [], lastRowids: [] };
  private lastRowid = 0;
  private readonly maxLocal: number;

  constructor(private readonly file: PageFile) {
    this.leaf = new PageBuilder(file.pageSize, false);
    this.maxLocal = file.pageSize - 35;
  }

  /** The page the next `place` answers an offset into. */
  get bytes(): Uint8Array {
    return this.leaf.bytes;
  }

  /** Whether `place` puts the row in the current leaf: the leaf is written out first otherwise. */
  fits(rowid: number, size: number): boolean {
    return size > this.maxLocal || this.leaf.fits(varintLength(size) + varintLength(rowid) + size);
  }

  /**
   * Makes room for a row whose record of `size` bytes fits its cell; answers where in `bytes`
   * the caller writes the record, or -1 when it must spill to overflow pages (then `add` it).
   */
  place(rowid: number, size: number): number {
    if (size > this.maxLocal) return -1;
    const prefix = varintLength(size) + varintLength(rowid);
    if (!this.leaf.fits(prefix + size)) this.flushLeaf();
    const at = this.leaf.add(prefix + size);
    writeVarint(this.leaf.bytes, writeVarint(this.leaf.bytes, at, size), rowid);
    this.lastRowid = rowid;
    return at + prefix;
  }

  /** Adds the row whose record is `record[start..end)`. */
  add(rowid: number, record: Uint8Array, start: number, end: number): void {
    const size = end - start;
    const local = localSize(size, this.file.pageSize, this.maxLocal);
    const overflow = local < size ? spill(this.file, record, start + local, end) : 0;
    const prefix = varintLength(size) + varintLength(rowid);
    const length = prefix + local + (overflow ? 4 : 0);
    if (!this.leaf.fits(length)) this.flushLeaf();
    const at = this.leaf.add(length);
    const bytes = this.leaf.bytes;
    writeVarint(bytes, writeVarint(bytes, at, size), rowid);
    copyBytes(record, start, local, bytes, at + prefix);
    if (overflow) writeUint32(bytes, at + prefix + local, overflow);
    this.lastRowid = rowid;
  }

  /** Writes the leaf being filled, if it holds a row; answers the leaves written since the last run ended. */
  endRun(): LeafRun {
    if (this.leaf.cells > 0) this.flushLeaf();
    const run = this.run;
    this.run = { pages: [], lastRowids: [] };
    return run;
  }

  private flushLeaf(): void {
    this.run.pages.push(this.file.write(this.leaf.finish(LEAF_TABLE)));
    this.run.lastRowids.push(this.lastRowid);
    this.leaf.reset();
  }
}

/**
 * The interior pages of a table b-tree over its leaves (`runs`, in rowid order), each cell a
 * child and the largest rowid under it; answers the root. No leaf: an empty one is the root.
 */
export function tableInterior(file: PageFile, runs: readonly LeafRun[]): number {
  let children = runs.flatMap((run) => run.pages);
  let keys = runs.flatMap((run) => run.lastRowids);
  if (children.length === 0) return file.write(new PageBuilder(file.pageSize, false).finish(LEAF_TABLE));
  const builder = new PageBuilder(file.pageSize, true);
  // An interior cell is a 4-byte child and a varint key: 13 bytes at most, and its pointer 2.
  const perPage = Math.floor((file.pageSize - 12) / 15) + 1;
  while (children.length > 1) {
    const pages = Math.ceil(children.length / perPage);
    const upChildren: number[] = [];
    const upKeys: number[] = [];
    let from = 0;
    for (let p = 0; p < pages; p++) {
      // Spread evenly, so that no page is left with a single child.
      const to = Math.round(((p + 1) * children.length) / pages);
      builder.reset();
      for (let c = from; c < to - 1; c++) {
        const key = keys[c]!;
        const at = builder.add(4 + varintLength(key));
        writeUint32(builder.bytes, at, children[c]!);
        writeVarint(builder.bytes, at + 4, key);
      }
      upChildren.push(file.write(builder.finish(INTERIOR_TABLE, children[to - 1]!)));
      upKeys.push(keys[to - 1]!);
      from = to;
    }
    children = upChildren;
    keys = upKeys;
  }
  return children[0]!;
}

/**
 * An index b-tree from entries in index order. In an index every entry is stored once: a full
 * leaf sends the next entry up as the divider between it and the following leaf, and a full
 * interior page does the same a level higher. A page and the divider after it are held back
 * until another entry comes, so that the last page of a level is never left empty.
 */
export class IndexTree {
  private readonly root: IndexLevel;
  private readonly maxLocal: number;
  private scratch = new Uint8Array(256);

  constructor(private readonly file: PageFile) {
    this.root = new IndexLevel(file, false);
    this.maxLocal = Math.floor(((file.pageSize - 12) * 64) / 255) - 23;
  }

  /** The leaf page the next `place` answers an offset into. */
  get bytes(): Uint8Array {
    return this.root.leafBytes;
  }

  /**
   * Makes room in the current leaf for an entry whose record of `size` bytes fits its cell
   * there; answers where in `bytes` the caller writes the record, or -1 (then `add` it).
   */
  place(size: number): number {
    return size > this.maxLocal ? -1 : this.root.place(size);
  }

  /**
   * Entries of one key into the current leaf while they fit: each `prefix` then rowid
   * `rowids[i]` in `bytes` bytes, for i from `from`; answers the first not written (`to` when
   * all were). The rest go through `place` or `add`, which start the next leaf. Only for
   * records of under 128 bytes (a one-byte size) and rowids of at most 4 bytes, which index
   * entries mostly are; else it writes none.
   */
  fill(prefix: Uint8Array, prefixLength: number, rowids: ArrayLike<number>, from: number, to: number, bytes: number): number {
    const size = prefixLength + bytes;
    return size > this.maxLocal || size > 127 || bytes > 4 ? from : this.root.fill(prefix, prefixLength, rowids, from, to, bytes);
  }

  /** Adds the entry whose record is `record[start..end)`. */
  add(record: Uint8Array, start: number, end: number): void {
    const size = end - start;
    const local = localSize(size, this.file.pageSize, this.maxLocal);
    const overflow = local < size ? spill(this.file, record, start + local, end) : 0;
    const prefix = varintLength(size);
    const length = prefix + local + (overflow ? 4 : 0);
    if (this.scratch.length < length) this.scratch = new Uint8Array(length * 2);
    const cell = this.scratch;
    writeVarint(cell, 0, size);
    copyBytes(record, start, local, cell, prefix);
    if (overflow) writeUint32(cell, prefix + local, overflow);
    this.root.add(cell, length, 0);
  }

  finish(): number {
    return this.root.finish(0);
  }
}

class IndexLevel {
  private readonly page: PageBuilder;
  /** A full page not written yet, its right child (interior levels) and the divider after it. */
  private held: PageBuilder | undefined;
  private heldRight = 0;
  private divider: Uint8Array | undefined;
  private parent: IndexLevel | undefined;
  private readonly type: number;

  constructor(
    private readonly file: PageFile,
    private readonly interior: boolean,
  ) {
    this.page = new PageBuilder(file.pageSize, interior);
    this.type = interior ? INTERIOR_INDEX : LEAF_INDEX;
  }

  get leafBytes(): Uint8Array {
    return this.page.bytes;
  }

  /** Room for a leaf cell of a `size`-byte record, its size written: the record's offset, or -1 when the page is full. */
  place(size: number): number {
    if (this.divider) this.release();
    const prefix = varintLength(size);
    if (!this.page.fits(prefix + size)) return -1;
    const at = this.page.add(prefix + size);
    writeVarint(this.page.bytes, at, size);
    return at + prefix;
  }

  /** IndexTree.fill, on the leaf level. */
  fill(prefix: Uint8Array, prefixLength: number, rowids: ArrayLike<number>, from: number, to: number, bytes: number): number {
    if (this.divider) this.release();
    const page = this.page;
    const out = page.bytes;
    const size = prefixLength + bytes;
    let i = from;
    let last = -1;
    for (; i < to; i++) {
      if (!page.fits(size + 1)) break;
      let at = page.add(size + 1);
      if (last < 0) {
        out[at] = size;
        for (let b = 0; b < prefixLength; b++) out[at + 1 + b] = prefix[b]!;
      } else {
        // The cell before, just above this one: the same bytes but the rowid's.
        out.copyWithin(at, last, last + 1 + prefixLength);
      }
      last = at;
      at += 1 + prefixLength;
      const rowid = rowids[i]!;
      for (let k = bytes - 1; k >= 0; k--) out[at++] = (rowid >>> (8 * k)) & 0xff;
    }
    return i;
  }

  /** Adds `entry[0..length)` (an entry's cell without its child), with `child` on its left on interior levels. */
  add(entry: Uint8Array, length: number, child: number): void {
    if (this.divider) this.release();
    const cell = length + (this.interior ? 4 : 0);
    if (!this.page.fits(cell)) {
      // Full: this entry is the divider above the page, and on an interior level its child is
      // the page's right child.
      this.hold(entry.slice(0, length), child);
      return;
    }
    this.put(entry, length, child);
  }

  /** Writes what is left; `right` is the last child (interior levels). Answers the subtree's root. */
  finish(right: number): number {
    if (this.divider) {
      // Nothing came after the held page: its last entry goes up instead, and the divider comes
      // down into the last page, which would otherwise be empty.
      const held = this.held!;
      const last = held.popLast();
      const entry = this.divider;
      const entryChild = this.heldRight;
      let up: Uint8Array;
      if (this.interior) {
        this.heldRight = readUint32(last, 0);
        up = last.subarray(4);
      } else {
        up = last;
      }
      this.divider = up;
      this.release();
      this.put(entry, entry.length, entryChild);
    }
    const written = this.file.write(this.page.finish(this.type, right));
    return this.parent ? this.parent.finish(written) : written;
  }

  private put(entry: Uint8Array, length: number, child: number): void {
    const cell = length + (this.interior ? 4 : 0);
    const at = this.page.add(cell);
    if (this.interior) {
      writeUint32(this.page.bytes, at, child);
      copyBytes(entry, 0, length, this.page.bytes, at + 4);
    } else {
      copyBytes(entry, 0, length, this.page.bytes, at);
    }
  }

  private hold(divider: Uint8Array, child: number): void {
    // The full page is kept aside and a fresh one takes its place.
    const held = (this.held ??= new PageBuilder(this.file.pageSize, this.interior));
    held.copyFrom(this.page);
    this.page.reset();
    this.heldRight = child;
    this.divider = divider;
  }

  /** Writes the held page and sends its divider up. */
  private release(): void {
    const written = this.file.write(this.held!.finish(this.type, this.heldRight));
    this.held!.reset();
    this.parent ??= new IndexLevel(this.file, true);
    const divider = this.divider!;
    this.divider = undefined;
    this.parent.add(divider, divider.length, written);
  }
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
}
