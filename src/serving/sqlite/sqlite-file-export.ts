import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { GOLD_TABLES, GOLD_TABLE_NAMES, GROWING_TABLES, type GoldTableName } from "../../contract/gold-tables.ts";
import { collectionName, loadMetadata, type ExportSession, type RefreshMetadata, type TableBatch } from "../serving-store.ts";
import { INDEXES, columnsOf } from "../table-access.ts";
import { DatabaseFile } from "./file/database-file.ts";
import { ident } from "./sqlite-insert.ts";
import { ROW_KEYS, tableDefinition } from "./sqlite-layout.ts";
import { METADATA, METADATA_COLUMNS, appendMetadata } from "./sqlite-metadata.ts";
import { finishVersion, newVersion, removeStaleVersions, removeVersion, swapIn } from "./sqlite-versions.ts";

/**
 * Table workers of the file, shared by its big tables: as many as there are cores beside this
 * thread's (which reads the gold files), one at least, four at most (past that the reading is
 * what the load waits for); a table past 2M rows adds one (BIG_TABLE in file/database-file.ts).
 */
const TABLE_WORKERS = Math.min(4, Math.max(1, availableParallelism() - 1));

/** What a whole-store export needs of the store. */
export interface SqliteFileTarget {
  readonly location: string;
  readonly prefix: string;
  now(): number;
  storeError(err: unknown): unknown;
}

/**
 * An export of every gold table into a new database file, written page by page
 * (`file/database-file.ts`) rather than inserted, then swapped in whole (`sqlite-versions.ts`):
 * readers see the old file or the new one. Whatever else the served file holds (another
 * prefix's tables, the refresh history) is copied over before the swap.
 */
export class SqliteFileExport implements ExportSession {
  // The writer copies UTF-8 values as the Parquet reader holds them.
  readonly readsIndexed = true;
  /** The file being written, then the version it was renamed to. */
  private path: string;
  private readonly file: DatabaseFile;
  private readonly metas: RefreshMetadata[] = [];
  private done = false;
  /** The stale versions' removal, under way. */
  private readonly removed: Promise<void>;

  constructor(
    private readonly target: SqliteFileTarget,
    private readonly runId: string,
  ) {
    const now = target.now();
    try {
      // Removed while this export writes; waited for before it swaps in or gives up.
      this.removed = removeStaleVersions(target.location, now);
      this.removed.catch(() => {});
      this.path = newVersion(target.location, now);
      this.file = new DatabaseFile(this.path);
    } catch (err) {
      throw target.storeError(err);
    }
  }

  async load(table: GoldTableName, batches: AsyncIterable<TableBatch>): Promise<RefreshMetadata> {
    const started = new Date();
    const name = collectionName(table, this.target.prefix);
    const columns = GOLD_TABLES[table].columns;
    const key = ROW_KEYS[table];
    // Without a key column the rowid is a column of its own, `_row`, first (sqlite-layout.ts).
    const types = key ? columns.map((c) => c.type) : (["int", ...columns.map((c) => c.type)] as const);
    const rowid = key ? { column: columns.findIndex((c) => c.name === key), name: key, numbered: false } : { column: 0, name: "_row", numbered: true };
    const indexes = (INDEXES[table] ?? [])
      .filter((index) => !(index.length === 1 && index[0] === key))
      .map((index) => {
        const indexName = `${name}__${index.join("_")}`;
        const at = index.map((column) => columns.findIndex((c) => c.name === column) + (key ? 0 : 1));
        return { name: indexName, columns: at, sql: `CREATE INDEX ${ident(indexName)} ON ${ident(name)} (${index.map(ident).join(", ")})` };
      });
    try {
      // A table that grows with the purchases is written on other cores while this thread reads.
      const load = this.file.table(name, `CREATE TABLE ${ident(name)} (${tableDefinition(table)})`, types, rowid, indexes, GROWING_TABLES.has(table) ? TABLE_WORKERS : 0);
      for await (const batch of batches) {
        const { rowCount, values } = Array.isArray(batch) ? columnsOf(batch, columns) : batch;
        await load.push(rowCount, key ? values : [undefined, ...values]);
      }
      load.finish();
      const meta = loadMetadata(name, started, load.count, this.runId);
      this.metas.push(meta);
      return meta;
    } catch (err) {
      await this.abort();
      throw this.target.storeError(err);
    }
  }

  async commit(): Promise<RefreshMetadata[]> {
    try {
      await this.file.close();
      await this.removed;
      this.path = finishVersion(this.path);
      const db = new Database(this.path, { readwrite: true });
      try {
        db.run("PRAGMA synchronous = NORMAL");
        // Attached outside the transaction: SQLite detaches no database inside one.
        const served = existsSync(this.target.location);
        if (served) db.run("ATTACH DATABASE ? AS served", [this.target.location]);
        db.transaction(() => {
          if (served) this.copyTheRest(db);
          appendMetadata(db, this.metas);
        })();
        if (served) db.run("DETACH DATABASE served");
      } finally {
        // The last connection to close checkpoints the write-ahead log into the file.
        db.close();
      }
      swapIn(this.target.location, this.path);
      this.done = true;
      return this.metas;
    } catch (err) {
      await this.abort();
      throw this.target.storeError(err);
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.removed.catch(() => {});
    try {
      this.file.discard();
    } catch {
      // Already closed by a commit that failed later.
    }
    removeVersion(this.path);
  }

  /**
   * Copies from the served file what this export does not replace: the refresh history, and
   * every table (with its indexes) that is not one of this prefix's gold tables: another
   * prefix's, or a user's own.
   */
  private copyTheRest(db: Database): void {
    const ours = new Set(GOLD_TABLE_NAMES.map((t) => collectionName(t, this.target.prefix)));
    const schema = db
      .query<{ type: string; name: string; tbl_name: string; sql: string | null }, []>(
        "SELECT type, name, tbl_name, sql FROM served.sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type = 'index'",
      )
      .all();
    for (const entry of schema) {
      if (ours.has(entry.tbl_name) || entry.tbl_name.includes("__staging_")) continue;
      if (entry.tbl_name === METADATA) {
        if (entry.type === "table") copyHistory(db);
        continue;
      }
      if (!entry.sql) continue;
      db.run(entry.sql);
      if (entry.type === "table") db.run(`INSERT INTO main.${ident(entry.name)} SELECT * FROM served.${ident(entry.name)}`);
    }
  }
}

/** The served refresh history, in its order, into this file's `_refresh_metadata`. */
function copyHistory(db: Database): void {
  appendMetadata(db, []);
  db.run(`INSERT INTO main.${METADATA} (${METADATA_COLUMNS}) SELECT ${METADATA_COLUMNS} FROM served.${METADATA} ORDER BY rowid`);
}
