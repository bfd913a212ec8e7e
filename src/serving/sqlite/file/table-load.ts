import type { Cell, ColumnType } from "../../../contract/columns.ts";
import { isIndexed, type Column } from "../../../columnar/columns.ts";
import { StoreError } from "../../../core/errors.ts";
import { TableLeaves, tableInterior, type LeafRun } from "./btree.ts";
import type { PageFile } from "./page-file.ts";
import { IndexKeys, type IndexDef } from "./index-keys.ts";
import { NarrowIntegers } from "./narrow-integers.ts";
import { RecordEncoder } from "./record.ts";

/**
 * One table's rows into its b-tree, as column batches in rowid order. The batches' rowids are
 * checked (or numbered) and the index keys collected in order, on the main thread (TableKeys);
 * the rows go into leaf pages (LeafWriter) there too, or in table workers (table-worker.ts)
 * for the tables that grow with the purchases, each writing the leaves of the batches it is
 * given; the interior pages over all the leaves come last (`tableInterior`).
 */

const ENCODE_ROWS = 4096;

export interface RowidColumn {
  column: number;
  /** Its name, for errors. */
  name: string;
  numbered: boolean;
}

export interface LoadedTable {
  root: number;
  keys: IndexKeys[];
  /** In shared memory, read by every index worker. */
  rowids: NarrowIntegers;
}

/** A table's rowids, checked to rise strictly from 1 or numbered 1, 2, …, and its index keys. */
export class TableKeys {
  count = 0;
  private lastRowid = 0;
  readonly keys: IndexKeys[];
  readonly rowids = new NarrowIntegers(true);

  constructor(
    types: readonly ColumnType[],
    private readonly rowid: RowidColumn,
    private readonly indexes: readonly IndexDef[],
  ) {
    this.keys = indexes.map((index) => new IndexKeys(index, types));
  }

  /** The batch's rowids; its index keys are collected. Rows in rowid order; a `numbered` table's batches leave its rowid column out (undefined). */
  take(rowCount: number, values: readonly (Column | undefined)[]): Float64Array {
    const ids = this.rowid.numbered ? undefined : values[this.rowid.column]!;
    if (ids && isIndexed(ids)) throw new StoreError("failed", `${this.rowid.name} came as Indexed values, not numbers`);
    const rowids = new Float64Array(rowCount);
    for (let r = 0; r < rowCount; r++) rowids[r] = ids ? this.checked(ids[r] ?? null, r) : this.count + r + 1;
    if (this.indexes.length) {
      for (const index of this.keys) index.push(values, 0, rowCount);
      this.rowids.pushAll(rowids, 0, rowCount);
    }
    this.count += rowCount;
    return rowids;
  }

  private checked(key: Cell, r: number): number {
    if (typeof key !== "number" || !Number.isSafeInteger(key) || key < 1 || !(key > this.lastRowid)) {
      const previous = this.lastRowid === 0 ? "" : ` after ${this.lastRowid}`;
      throw new StoreError("failed", `${this.rowid.name} must rise strictly in gold order, from 1 up: row ${this.count + r + 1} has ${key}${previous}`);
    }
    this.lastRowid = key;
    return key;
  }
}

/** Rows, given with their rowids, into leaf pages: records encoded a column at a time and written where their cells go. */
export class LeafWriter {
  private readonly leaves: TableLeaves;
  private readonly encoder: RecordEncoder;
  /** Where each row of the slice being written goes in its leaf. */
  private at = new Int32Array(0);

  constructor(pages: PageFile, types: readonly ColumnType[], rowidColumn: number) {
    this.leaves = new TableLeaves(pages);
    this.encoder = new RecordEncoder(types, rowidColumn);
  }

  write(rowCount: number, values: readonly (Column | undefined)[], rowids: Float64Array): void {
    const { encoder, leaves } = this;
    // A slice of the batch at a time, so the encoded columns stay a few hundred kilobytes.
    for (let from = 0; from < rowCount; from += ENCODE_ROWS) {
      const n = Math.min(ENCODE_ROWS, rowCount - from);
      encoder.encode(values, from, n);
      const { sizes } = encoder;
      if (this.at.length < n) this.at = new Int32Array(n);
      const { at } = this;
      // The rows placed in the current leaf whose records are not written yet: written
      // together, a column at a time, before the leaf is written out.
      let unwritten = 0;
      for (let i = 0; i < n; i++) {
        const rowid = rowids[from + i]!;
        const size = sizes[i]!;
        if (!leaves.fits(rowid, size)) {
          encoder.writeRows(unwritten, i, at, leaves.bytes);
          unwritten = i;
        }
        const placed = leaves.place(rowid, size);
        if (placed >= 0) {
          at[i] = placed;
        } else {
          // Past a cell's room: written alone, through a copy, to overflow pages.
          encoder.writeRows(unwritten, i, at, leaves.bytes);
          const record = new Uint8Array(size);
          at[i] = 0;
          encoder.writeRows(i, i + 1, at, record);
          leaves.add(rowid, record, 0, record.length);
          unwritten = i + 1;
        }
      }
      encoder.writeRows(unwritten, n, at, leaves.bytes);
    }
  }

  /** Writes the leaf being filled; answers the leaves written since the last call. */
  endRun(): LeafRun {
    return this.leaves.endRun();
  }
}

/** A table loaded on this thread. */
export class TableLoad {
  private readonly keys: TableKeys;
  private readonly leaves: LeafWriter;

  constructor(
    private readonly pages: PageFile,
    types: readonly ColumnType[],
    rowid: RowidColumn,
    indexes: readonly IndexDef[],
  ) {
    this.keys = new TableKeys(types, rowid, indexes);
    this.leaves = new LeafWriter(pages, types, rowid.column);
  }

  get count(): number {
    return this.keys.count;
  }

  push(rowCount: number, values: readonly (Column | undefined)[]): void {
    this.leaves.write(rowCount, values, this.keys.take(rowCount, values));
  }

  /** Ends the table: its root page, and its index keys and rowids for the index workers. */
  finish(): LoadedTable {
    return { root: tableInterior(this.pages, [this.leaves.endRun()]), keys: this.keys.keys, rowids: this.keys.rowids };
  }
}
