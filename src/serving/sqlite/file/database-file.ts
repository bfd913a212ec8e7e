import { availableParallelism } from "node:os";
import type { ColumnType } from "../../../contract/columns.ts";
import type { Column } from "../../../columnar/columns.ts";
import { StoreError } from "../../../core/errors.ts";
import { WorkerTask } from "../../../workers/worker-task.ts";
import { LEAF_TABLE, PageBuilder, tableInterior, writeUint32 } from "./btree.ts";
import { PageFile, PageNumbers, type FreeRun } from "./page-file.ts";
import type { IndexDef } from "./index-keys.ts";
import { INDEX_WORKERS, IndexWorkers, type BuiltIndexes } from "./index-workers.ts";
import { RecordEncoder, varintLength, writeVarint } from "./record.ts";
import { TableInWorkers } from "./table-in-workers.ts";
import { TableWorkers } from "./table-workers.ts";
import { TableLoad, type RowidColumn } from "./table-load.ts";

/**
 * A SQLite database file written from scratch (https://sqlite.org/fileformat2.html), for an
 * export that builds a whole new store: tables arrive as column batches in rowid order and go
 * straight into their pages (table-load.ts), the big ones on another core (table-worker.ts);
 * their indexes are sorted and written by workers of their own (index-worker.ts), into pages
 * of the same file, while the next tables are written. It is
 * several times faster than inserting the same rows with SQL, where SQLite re-walks its b-tree
 * for every row; what SQLite reads back is the same file, checked by `PRAGMA integrity_check`
 * in the tests.
 */

/** SQLite 3.45.0, the version this writer's files claim to be written by (any reader accepts it). */
const WRITER_VERSION = 3045000;

interface SchemaRow {
  type: "table" | "index";
  name: string;
  table: string;
  root: number;
  sql: string;
}

/** When a table loaded in workers takes more of them: past `rows` rows, up to `tableWorkers` table workers (the file's) and `indexWorkers` index workers. */
export interface BigTable {
  rows: number;
  tableWorkers: number;
  indexWorkers: number;
}

/**
 * A worker per core for the leaves and one per core for the indexes, this thread's core
 * included, once a table is past 2M rows. Reading the gold file keeps this thread only about a
 * third busy, so with a worker per core beside it the table workers are what a load waits for;
 * but each worker compiles its code for itself, which costs more than it saves on a smaller
 * table. On two cores, at 10M purchases, the 10M export took 0.89x the wall time (1.06x the
 * CPU) of the same file written with one of each, and a second index worker alone 0.90x; at 1M
 * purchases a worker more of each from the start took 1.10x the wall time (paired runs).
 */
export const BIG_TABLE: BigTable = { rows: 2_000_000, tableWorkers: Math.min(4, availableParallelism()), indexWorkers: availableParallelism() };

/** A table whose schema rows wait for workers: the table workers' and its index workers'. */
interface Pending {
  /** Its index workers, to stop them when the file is discarded (the table workers are the file's). */
  workers: WorkerTask<unknown>[];
  rows: Promise<{ rows: SchemaRow[]; unused: FreeRun[] }>;
}

/** One table being loaded, here or in a worker. */
export interface TableWriter {
  readonly count: number;
  /** Rows in rowid order; a worker's load resolves once it is at most a few batches behind. */
  push(rowCount: number, values: readonly (Column | undefined)[]): void | Promise<void>;
  /** Ends the table; `DatabaseFile.close` waits for what workers still do. */
  finish(): void;
}

export class DatabaseFile {
  private readonly pages: PageFile;
  private readonly schema: (SchemaRow | Pending)[] = [];
  private tableWorkers: TableWorkers | undefined;
  /** Set by a push that failed: the table workers may still hold that table open, so no other table may start. */
  private failed = false;

  constructor(
    private readonly path: string,
    private readonly pageSize = 16384,
    /** Workers that write a table's indexes, at most. */
    private readonly indexWorkers = INDEX_WORKERS,
    private readonly big = BIG_TABLE,
  ) {
    this.pages = new PageFile(path, pageSize, new PageNumbers(), "wx");
  }

  /**
   * Starts a table whose `CREATE TABLE` is `sql`. `rowid.column` is its INTEGER PRIMARY KEY,
   * whose values are the rowids, or, `numbered`, a column the batches leave empty whose rowids
   * are 1, 2, … in arrival order. `workers`: how many table workers write its leaves (the file's, made for its first big table), for a big
   * table, while this thread reads the next batches and goes on with the next tables (0: here).
   */
  table(
    name: string,
    sql: string,
    types: readonly ColumnType[],
    rowid: RowidColumn,
    indexes: readonly (IndexDef & { sql: string })[] = [],
    workers = 0,
  ): TableWriter {
    if (this.failed) throw new StoreError("failed", `the serving store's table ${name} cannot start: a table before it failed to load, and the file can only be discarded`);
    const schemaRows = (root: number, built: BuiltIndexes): { rows: SchemaRow[]; unused: FreeRun[] } => ({
      rows: [
        { type: "table", name, table: name, root, sql },
        ...indexes.map((index, i) => ({ type: "index" as const, name: index.name, table: name, root: built.roots[i]!, sql: index.sql })),
      ],
      unused: built.unused,
    });
    const indexWorkers = new IndexWorkers(indexes.length, { path: this.path, pageSize: this.pageSize, numbers: this.pages.numbers.shared }, this.indexWorkers);
    // The schema rows wait for the table's end; its workers are stopped if the file is discarded before.
    const ended = Promise.withResolvers<{ rows: SchemaRow[]; unused: FreeRun[] }>();
    this.pending(indexWorkers.workers, ended.promise);
    if (workers > 0) {
      // One set of table workers for the file: the first big table's count of them.
      this.tableWorkers ??= new TableWorkers(workers);
      const remote = new TableInWorkers({ path: this.path, pageSize: this.pageSize, numbers: this.pages.numbers.shared }, types, rowid, indexes, this.tableWorkers);
      return {
        get count() {
          return remote.count;
        },
        push: (rowCount, values) =>
          this.guarded(() => {
            if (remote.count >= this.big.rows) {
              while (this.tableWorkers!.count < this.big.tableWorkers) remote.grow();
              indexWorkers.grow(this.big.indexWorkers);
            }
            return remote.push(rowCount, values);
          }),
        finish: () => {
          const loaded = remote.finish();
          // The keys are all here: the indexes are written while the table workers finish the leaves.
          const built = indexWorkers.build(remote.keys.keys, remote.keys.rowids);
          ended.resolve(
            Promise.all([loaded, built]).then(([{ runs, unused }, indexes]) => schemaRows(tableInterior(this.pages, runs), { roots: indexes.roots, unused: [...unused, ...indexes.unused] })),
          );
        },
      };
    }
    const load = new TableLoad(this.pages, types, rowid, indexes);
    return {
      get count() {
        return load.count;
      },
      push: (rowCount, values) => this.guarded(() => load.push(rowCount, values)),
      finish: () => {
        const table = load.finish();
        ended.resolve(indexWorkers.build(table.keys, table.rowids).then((built) => schemaRows(table.root, built)));
      },
    };
  }

  /** Writes the schema and the header into page 1; the file is complete and on disk. */
  async close(): Promise<void> {
    const { pageSize } = this.pages;
    const built = await Promise.all(this.schema.map((entry) => ("rows" in entry ? entry.rows : { rows: [entry], unused: [] })));
    void this.tableWorkers?.stop();
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
      encoder.writeRows(0, 1, Int32Array.of(body), first.bytes);
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

  /** The table workers the file's big tables share, and each table's index workers, so far. */
  get workerCounts(): { table: number; index: number[] } {
    return { table: this.tableWorkers?.count ?? 0, index: this.schema.flatMap((entry) => ("workers" in entry ? [entry.workers.length] : [])) };
  }

  discard(): void {
    this.tableWorkers?.terminate();
    for (const entry of this.schema) if ("workers" in entry) for (const worker of entry.workers) worker.terminate();
    this.pages.discard();
  }

  private guarded(push: () => void | Promise<void>): void | Promise<void> {
    const failed = (err: unknown): never => {
      this.failed = true;
      throw err;
    };
    try {
      const pushed = push();
      return pushed instanceof Promise ? pushed.catch(failed) : pushed;
    } catch (err) {
      return failed(err);
    }
  }

  private pending(workers: WorkerTask<unknown>[], rows: Pending["rows"]): void {
    rows.catch(() => {});
    this.schema.push({ workers, rows });
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
