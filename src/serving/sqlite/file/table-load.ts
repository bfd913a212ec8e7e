import type { Cell, ColumnType } from "../../../contract/columns.ts";
import { ChunkedNumbers } from "../../../columnar/growable.ts";
import { isIndexed, type Column } from "../../../columnar/columns.ts";
import { StoreError } from "../../../core/errors.ts";
import { TableTree, type PageFile } from "./btree.ts";
import { IndexKeys, type IndexDef } from "./index-keys.ts";
import { RecordEncoder } from "./record.ts";

/**
 * One table's rows into its b-tree, as column batches in rowid order, and its index keys
 * collected on the way; on the main thread, or in a table worker (table-worker.ts) for the
 * tables that grow with the purchases.
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
  rowids: ChunkedNumbers<Float64Array>;
}

export class TableLoad {
  count = 0;
  private readonly tree: TableTree;
  private readonly encoder: RecordEncoder;
  private lastRowid = 0;
  private readonly keys: IndexKeys[];
  private readonly rowids = new ChunkedNumbers((n) => new Float64Array(new SharedArrayBuffer(n * 8)));
  /** Where each row of the slice being written goes in its leaf. */
  private at = new Int32Array(0);

  constructor(
    private readonly pages: PageFile,
    types: readonly ColumnType[],
    private readonly rowid: RowidColumn,
    private readonly indexes: readonly IndexDef[],
  ) {
    this.tree = new TableTree(pages);
    this.encoder = new RecordEncoder(types, rowid.column);
    this.keys = indexes.map((index) => new IndexKeys(index, types));
  }

  /** Rows in rowid order; a `numbered` table's batches leave its rowid column out (undefined). */
  push(rowCount: number, values: readonly (Column | undefined)[]): void {
    const { encoder, tree, indexes, keys } = this;
    const ids = this.rowid.numbered ? undefined : values[this.rowid.column]!;
    if (ids && isIndexed(ids)) throw new StoreError("failed", `${this.rowid.name} came as Indexed values, not numbers`);
    // A slice of the batch at a time, so the encoded columns stay a few hundred kilobytes.
    for (let from = 0; from < rowCount; from += ENCODE_ROWS) {
      const n = Math.min(ENCODE_ROWS, rowCount - from);
      encoder.encode(values, from, n);
      for (const index of keys) index.push(values, from, n);
      const { sizes } = encoder;
      if (this.at.length < n) this.at = new Int32Array(n);
      const { at } = this;
      // The rows placed in the current leaf whose records are not written yet: written
      // together, a column at a time, before the leaf is written out.
      let unwritten = 0;
      for (let i = 0; i < n; i++) {
        const r = from + i;
        const rowid = ids ? this.checkedRowid(ids[r] ?? null, r) : this.count + r + 1;
        const size = sizes[i]!;
        if (!tree.fits(rowid, size)) {
          encoder.writeRows(unwritten, i, at, tree.bytes);
          unwritten = i;
        }
        const placed = tree.place(rowid, size);
        if (placed >= 0) {
          at[i] = placed;
        } else {
          // Past a cell's room: written alone, through a copy, to overflow pages.
          encoder.writeRows(unwritten, i, at, tree.bytes);
          const record = new Uint8Array(size);
          at[i] = 0;
          encoder.writeRows(i, i + 1, at, record);
          tree.add(rowid, record, 0, record.length);
          unwritten = i + 1;
        }
        if (indexes.length) this.rowids.push(rowid);
        this.lastRowid = rowid;
      }
      encoder.writeRows(unwritten, n, at, tree.bytes);
    }
    this.count += rowCount;
  }

  /** Ends the table: its root page, and its index keys and rowids for the index workers. */
  finish(): LoadedTable {
    return { root: this.tree.finish(), keys: this.keys, rowids: this.rowids };
  }

  private checkedRowid(key: Cell, r: number): number {
    if (typeof key !== "number" || !Number.isSafeInteger(key) || key < 1 || !(key > this.lastRowid)) {
      const previous = this.lastRowid === 0 ? "" : ` after ${this.lastRowid}`;
      throw new StoreError("failed", `${this.rowid.name} must rise strictly in gold order, from 1 up: row ${this.count + r + 1} has ${key}${previous}`);
    }
    return key;
  }
}
