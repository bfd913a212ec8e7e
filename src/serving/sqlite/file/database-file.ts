import type { Cell, ColumnType } from "../../../contract/columns.ts";
import { ChunkedNumbers } from "../../../columnar/growable.ts";
import { StoreError } from "../../../core/errors.ts";
import { WorkerTask } from "../../../workers/worker-task.ts";
import { LEAF_TABLE, PageBuilder, PageFile, PageNumbers, TableTree, writeUint32, type FreeRun } from "./btree.ts";
import { IndexKeys, type IndexDef } from "./index-keys.ts";
import type { IndexAnswer, IndexJob } from "./index-worker.ts";
import { isIndexed, type Column } from "../../../columnar/columns.ts";
import { RecordEncoder, varintLength, writeVarint } from "./record.ts";

/**
 * A SQLite database file written from scratch (https://sqlite.org/fileformat2.html), for an
 * export that builds a whole new store: tables arrive as column batches in rowid order and go
 * straight into their pages; their indexes are sorted and written on another core
 * (index-worker.ts), into pages of the same file, while the next tables are written. It is
 * several times faster than inserting the same rows with SQL, where SQLite re-walks its b-tree
 * for every row; what SQLite reads back is the same file, checked by `PRAGMA integrity_check`
 * in the tests.
 */

/** SQLite 3.45.0, the version this writer's files claim to be written by (any reader accepts it). */
const WRITER_VERSION = 3045000;

const ENCODE_ROWS = 4096;

export interface RowidColumn {
  column: number;
  /** Its name, for errors. */
  name: string;
  numbered: boolean;
}

interface SchemaRow {
  type: "table" | "index";
  name: string;
  table: string;
  root: number;
  sql: string;
}

/** A table's indexes being written by index workers, one each. */
interface IndexBuild {
  workers: WorkerTask<IndexAnswer>[];
  /** The schema rows of the table and its indexes, once the workers have answered their roots. */
  rows: Promise<{ rows: SchemaRow[]; unused: FreeRun[] }>;
}

export class DatabaseFile {
  private readonly pages: PageFile;
  private readonly schema: (SchemaRow | IndexBuild)[] = [];

  constructor(
    private readonly path: string,
    private readonly pageSize = 16384,
  ) {
    this.pages = new PageFile(path, pageSize, new PageNumbers(), "wx");
  }

  /**
   * Starts a table whose `CREATE TABLE` is `sql`. `rowid.column` is its INTEGER PRIMARY KEY,
   * whose values are the rowids, or, `numbered`, a column the batches leave empty whose rowids
   * are 1, 2, … in arrival order.
   */
  table(
    name: string,
    sql: string,
    types: readonly ColumnType[],
    rowid: RowidColumn,
    indexes: readonly (IndexDef & { sql: string })[] = [],
  ): TableLoad {
    return new TableLoad(this.pages, types, rowid, indexes, (root, keys, rowids) => {
      const table: SchemaRow = { type: "table", name, table: name, root, sql };
      if (indexes.length === 0) return void this.schema.push(table);
      this.schema.push(this.buildIndexes(keys, rowids, (roots) => [table, ...indexes.map((index, i) => ({ type: "index" as const, name: index.name, table: name, root: roots[i]!, sql: index.sql }))]));
    });
  }

  /** Writes the schema and the header into page 1; the file is complete and on disk. */
  async close(): Promise<void> {
    const { pageSize } = this.pages;
    const built = await Promise.all(this.schema.map((entry) => ("rows" in entry ? entry.rows : { rows: [entry], unused: [] })));
    const encoder = new RecordEncoder(["string", "string", "string", "int", "string"], -1);
    // The schema table is a few rows of a few hundred bytes: one page, after the file header.
    const first = new PageBuilder(pageSize, false, 100);
    built.flatMap((b) => b.rows).forEach((row, i) => {
      encoder.encode([[row.type], [row.name], [row.table], [row.root], [row.sql]], 0, 1);
      const size = encoder.sizes[0]!;
      const length = varintLength(size) + varintLength(i + 1) + size;
      if (!first.fits(length) || size > pageSize - 35) throw new StoreError("failed", "the serving store's schema does not fit its first page");
      const at = first.add(length);
      const body = writeVarint(first.bytes, writeVarint(first.bytes, at, size), i + 1);
      encoder.write(0, first.bytes, body);
    });
    // Each writer's last run of pages ends part used: those pages are free, on the freelist.
    const free = [...(await this.pages.finish()), ...built.flatMap((b) => b.unused)].flatMap(([from, to]) => Array.from({ length: to - from }, (_, i) => from + i));
    free.sort((a, b) => a - b);
    for (const trunk of freelistTrunks(free, pageSize)) this.pages.put(trunk.number, trunk.page);
    const page = first.finish(LEAF_TABLE);
    const pageCount = this.pages.numbers.count;
    writeHeader(page, pageSize, pageCount, free);
    await this.pages.close(page, pageCount);
  }

  discard(): void {
    for (const entry of this.schema) if ("workers" in entry) for (const worker of entry.workers) worker.terminate();
    this.pages.discard();
  }

  /**
   * Hands each of a table's indexes to a worker of its own, which sorts and writes it while
   * this thread goes on with the next tables.
   */
  private buildIndexes(keys: IndexKeys[], rowids: ChunkedNumbers<Float64Array>, rows: (roots: number[]) => SchemaRow[]): IndexBuild {
    const workers = keys.map((index) => {
      const worker = new WorkerTask<IndexAnswer>("serving/sqlite/file/index-worker.ts", "the serving store's index worker");
      const job: IndexJob = { path: this.path, pageSize: this.pageSize, numbers: this.pages.numbers.shared, rowids: rowids.parts(), keys: index.handOff() };
      // The rowids are in shared memory, read by every worker; each index's keys move to its own.
      const moved = job.keys.flatMap((k): (Float64Array | Uint32Array)[] => (k.text ? k.ids.chunks : k.numbers.chunks));
      worker.post(job, moved.map((chunk) => chunk.buffer as ArrayBuffer));
      return worker;
    });
    const answered = Promise.all(workers.map((worker) => worker.answer)).then((answers) => {
      for (const worker of workers) void worker.stop();
      const failed = answers.find((answer) => "error" in answer);
      if (failed) throw new StoreError("failed", `the serving store's index worker failed: ${failed.error}`);
      const done = answers as Extract<IndexAnswer, { root: number }>[];
      return { rows: rows(done.map((answer) => answer.root)), unused: done.flatMap((answer) => answer.unused) };
    });
    answered.catch(() => {});
    return { workers, rows: answered };
  }
}

export class TableLoad {
  count = 0;
  private readonly tree: TableTree;
  private readonly encoder: RecordEncoder;
  private lastRowid = 0;
  private readonly keys: IndexKeys[];
  private readonly rowids = new ChunkedNumbers((n) => new Float64Array(new SharedArrayBuffer(n * 8)));

  constructor(
    private readonly pages: PageFile,
    types: readonly ColumnType[],
    private readonly rowid: RowidColumn,
    private readonly indexes: readonly IndexDef[],
    private readonly done: (root: number, keys: IndexKeys[], rowids: ChunkedNumbers<Float64Array>) => void,
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
      for (let i = 0; i < n; i++) {
        const r = from + i;
        const rowid = ids ? this.checkedRowid(ids[r] ?? null, r) : this.count + r + 1;
        const at = tree.place(rowid, sizes[i]!);
        if (at >= 0) {
          encoder.write(i, tree.bytes, at);
        } else {
          const record = new Uint8Array(sizes[i]!);
          encoder.write(i, record, 0);
          tree.add(rowid, record, 0, record.length);
        }
        if (indexes.length) this.rowids.push(rowid);
        this.lastRowid = rowid;
      }
    }
    this.count += rowCount;
  }

  /** Ends the table; its indexes are written by then or on their way (`DatabaseFile.close` waits for them). */
  finish(): void {
    this.done(this.tree.finish(), this.keys, this.rowids);
  }

  private checkedRowid(key: Cell, r: number): number {
    if (typeof key !== "number" || !Number.isSafeInteger(key) || key < 1 || !(key > this.lastRowid)) {
      const previous = this.lastRowid === 0 ? "" : ` after ${this.lastRowid}`;
      throw new StoreError("failed", `${this.rowid.name} must rise strictly in gold order, from 1 up: row ${this.count + r + 1} has ${key}${previous}`);
    }
    return key;
  }

}

/** The 100-byte database header (https://sqlite.org/fileformat2.html#the_database_header). */
function writeHeader(page: Uint8Array, pageSize: number, pageCount: number, free: readonly number[]): void {
  page.set(new TextEncoder().encode("SQLite format 3\0"), 0);
  page[16] = pageSize === 65536 ? 0 : pageSize >> 8;
  page[17] = pageSize === 65536 ? 1 : pageSize & 0xff;
  // File format 2 read and write: WAL, the mode every serving store is used in.
  page[18] = 2;
  page[19] = 2;
  page[20] = 0;
  page[21] = 64;
  page[22] = 32;
  page[23] = 32;
  writeUint32(page, 24, 1); // change counter
  writeUint32(page, 28, pageCount);
  writeUint32(page, 32, free[0] ?? 0); // the first freelist trunk
  writeUint32(page, 36, free.length);
  writeUint32(page, 40, 1); // schema cookie
  writeUint32(page, 44, 4); // schema format 4
  writeUint32(page, 48, 0);
  writeUint32(page, 52, 0);
  writeUint32(page, 56, 1); // UTF-8
  writeUint32(page, 60, 0);
  writeUint32(page, 64, 0);
  writeUint32(page, 68, 0);
  page.fill(0, 72, 92);
  writeUint32(page, 92, 1); // version-valid-for: the change counter
  writeUint32(page, 96, WRITER_VERSION);
}

/**
 * The freelist (https://sqlite.org/fileformat2.html#the_freelist) over the `free` pages: the
 * first of each group is a trunk page listing the others as its leaves and the next trunk.
 */
function freelistTrunks(free: readonly number[], pageSize: number): { number: number; page: Uint8Array }[] {
  // Leaves a trunk lists: the format allows pageSize / 4 - 2, SQLite's older versions read 6 fewer.
  const perTrunk = pageSize / 4 - 8;
  const trunks: { number: number; page: Uint8Array }[] = [];
  for (let i = 0; i < free.length; i += perTrunk + 1) {
    const leaves = free.slice(i + 1, i + 1 + perTrunk);
    const page = new Uint8Array(pageSize);
    writeUint32(page, 0, free[i + perTrunk + 1] ?? 0);
    writeUint32(page, 4, leaves.length);
    leaves.forEach((leaf, k) => writeUint32(page, 8 + 4 * k, leaf));
    trunks.push({ number: free[i]!, page });
  }
  return trunks;
}
