import { Database, SQLiteError, constants } from "bun:sqlite";
import { statSync } from "node:fs";
import { StoreError, errorLine, type StoreErrorKind } from "../../core/errors.ts";
import { GOLD_TABLES, GOLD_TABLE_NAMES, type GoldTableName } from "../../contract/gold-tables.ts";
import type { Cell, Row } from "../../contract/columns.ts";
import { DEFAULT_PREFIX, collectionName, replaceInSession, type ExportSession, type ReadOptions, type RefreshMetadata, type ServingStore, type TableBatch } from "../serving-store.ts";
import { checkRead, notServedYet } from "../table-access.ts";
import { BackgroundCheckpoint } from "./sqlite-checkpoint.ts";
import { SqliteExport, type SqliteWriter } from "./sqlite-export.ts";
import { SqliteFileExport } from "./sqlite-file-export.ts";
import { columnList, ident } from "./sqlite-insert.ts";
import { rowOrder } from "./sqlite-layout.ts";
import { LATEST_COUNT, hasMetadata, latestMetadata } from "./sqlite-metadata.ts";
import { WalIndexWatch } from "./wal-index.ts";

/**
 * The embedded serving store: one SQLite file in WAL mode, so `elt serve` keeps reading while
 * a run writes. Each gold table is a table `<prefix><table>` laid out as `sqlite-layout.ts`
 * says. An export of every table writes a new file and swaps it in (`sqlite-file-export.ts`);
 * one of some tables loads them aside in the served file and swaps them in together
 * (`sqlite-export.ts`). Either way a reader sees the old tables or the new ones.
 */

export interface SqliteOptions {
  /** Defaults to SPEC's `gold_`, like the Mongo store. */
  prefix?: string;
  /** How long a write waits for another writer before failing. */
  busyTimeoutMs?: number;
  /** For tests that need an export begun long ago; Date.now otherwise. */
  clock?: () => number;
}

const OPERATORS = { eq: "=", gte: ">=", lte: "<=" } as const;
/** Windows makes symbolic links only with a privilege most users lack: there every export replaces tables in place. */
const WHOLE_FILES = process.platform !== "win32";

export function openSqliteStore(path: string, options: SqliteOptions = {}): ServingStore {
  return new SqliteStore(path, options.prefix ?? DEFAULT_PREFIX, options.busyTimeoutMs ?? 5000, options.clock ?? Date.now);
}

class SqliteStore implements ServingStore {
  readonly kind = "sqlite";
  private db: Database | undefined;
  /** dev:inode of the open file, to notice it was removed or replaced under us. */
  private fileId = "";
  /** Copies this connection's writes into the database file, off the writing thread. */
  private checkpoints: BackgroundCheckpoint | undefined;
  /** Connections opened so far: a reopened file's data version never repeats an earlier one. */
  private generation = 0;
  /** The open file's wal-index header, which says when the data version need not be asked again. */
  private wal: WalIndexWatch | undefined;
  /** The data version SQLite last gave. */
  private version = "";

  constructor(
    readonly location: string,
    readonly prefix: string,
    private readonly busyTimeoutMs: number,
    private readonly clock: () => number,
  ) {
    this.connection(true);
  }

  async beginExport(runId: string, tables?: readonly GoldTableName[]): Promise<ExportSession> {
    // A whole export builds a new file (far faster than inserting into the served one), where
    // symbolic links exist for the swap; a part of one replaces tables in the served file.
    if (WHOLE_FILES && tables && GOLD_TABLE_NAMES.every((t) => tables.includes(t))) {
      return new SqliteFileExport({ location: this.location, prefix: this.prefix, now: this.clock, storeError: (err) => this.storeError(err) }, runId);
    }
    const db = this.connection(true);
    const checkpoints = (this.checkpoints ??= new BackgroundCheckpoint(this.location));
    const writer: SqliteWriter = {
      db,
      prefix: this.prefix,
      checkpoints,
      now: this.clock,
      guard: (fn) => this.guard(fn),
      storeError: (err) => this.storeError(err),
    };
    return new SqliteExport(writer, runId);
  }

  replaceTable(table: GoldTableName, batches: AsyncIterable<TableBatch>, runId: string): Promise<RefreshMetadata> {
    return replaceInSession(this, table, batches, runId);
  }

  async read(table: GoldTableName, options?: ReadOptions): Promise<{ rows: Row[]; total: number }> {
    const query = checkRead(table, options);
    const db = this.connection();
    const name = ident(collectionName(table, this.prefix));
    const where = query.where.length
      ? ` WHERE ${query.where.map((w) => `${ident(w.column)} ${OPERATORS[w.op]} ?`).join(" AND ")}`
      : "";
    const values = query.where.map((w) => w.value);
    const sort = query.sort;
    const gold = rowOrder(table);
    const order = sort ? `${ident(sort.column)} ${sort.direction === "desc" ? "DESC" : "ASC"}, ${gold}` : gold;
    const columns = columnList(GOLD_TABLES[table].columns);
    // A filtered page picks its rowids first, where an index holding the filter's columns
    // answers alone (no row read for rows of other pages), then reads only the page's rows.
    const select = where
      ? `SELECT ${columns} FROM ${name} WHERE ${gold} IN (SELECT ${gold} FROM ${name}${where} ORDER BY ${order} LIMIT ? OFFSET ?) ORDER BY ${order}`
      : `SELECT ${columns} FROM ${name} ORDER BY ${order} LIMIT ? OFFSET ?`;
    // Without a filter the count is the one recorded when the table was swapped in, in the same
    // transaction, where COUNT(*) walked the whole table (milliseconds per request at 1M rows).
    const [count, countValues] = where
      ? [`SELECT COUNT(*) AS n FROM ${name}${where}`, values]
      : [LATEST_COUNT, [collectionName(table, this.prefix)]];
    // One read transaction, so the count and the rows come from the same version of the table.
    return this.guard(
      () =>
        db.transaction(() => {
          const rows = db.query<Row, Cell[]>(select).all(...values, query.limit ?? -1, query.skip);
          const counted = db.query<{ n: number | null }, Cell[]>(count).get(...countValues);
          return { rows, total: counted?.n ?? 0 };
        })(),
      table,
    );
  }

  async refreshMetadata(collection?: string): Promise<RefreshMetadata[]> {
    const db = this.connection();
    return this.guard(() => (hasMetadata(db) ? latestMetadata(db, collection) : []));
  }

  dataVersion(): string {
    const db = this.connection();
    // The wal-index header before SQLite is asked: a commit after it was read moves it.
    const wal = (this.wal ??= new WalIndexWatch(this.location));
    if (wal.unchanged()) return this.version;
    // data_version moves on other connections' commits, total_changes() on this one's. Two
    // statements: the pragma as a table-valued function in one SELECT costs half as much again.
    return this.guard(() => {
      const other = db.query<{ data_version: number }, []>("PRAGMA data_version").get()?.data_version;
      const own = db.query<{ c: number }, []>("SELECT total_changes() AS c").get()?.c;
      this.version = `${this.generation}:${other}:${own}`;
      wal.keep();
      return this.version;
    });
  }

  async ping(): Promise<void> {
    const db = this.connection();
    this.guard(() => db.query("SELECT count(*) FROM sqlite_master").get());
  }

  async close(): Promise<void> {
    await this.checkpoints?.close();
    this.checkpoints = undefined;
    this.wal?.close();
    this.wal = undefined;
    this.db?.close();
    this.db = undefined;
  }

  /**
   * The open database, reopened when its file was removed or replaced (a new export by another
   * process after `rm`), so a long-lived server never keeps serving a deleted file. Only a
   * write recreates a file that went away: a reader says the store is gone (503 from the API)
   * until the file is back, rather than serving an empty database as if nothing had happened.
   */
  private connection(create = false): Database {
    const stat = statSync(this.location, { throwIfNoEntry: false });
    if (!stat && !create && this.fileId) {
      throw new StoreError("unreachable", `serving store ${this.location} was removed: run \`elt run export --force\` to rebuild it`);
    }
    const id = stat ? `${stat.dev}:${stat.ino}` : "";
    if (this.db && id === this.fileId) return this.db;
    this.wal?.close();
    this.wal = undefined;
    if (this.db) {
      // The WAL and shm paths may now belong to the new file: closing must not delete them.
      this.db.fileControl(constants.SQLITE_FCNTL_PERSIST_WAL, 1);
      this.db.close();
      this.db = undefined;
      // Its connection is to the old file: let it finish there and close.
      void this.checkpoints?.close();
      this.checkpoints = undefined;
    }
    this.db = this.guard(() => {
      const db = new Database(this.location, { create: true, readwrite: true });
      try {
        db.run(`PRAGMA busy_timeout = ${this.busyTimeoutMs}`);
        // Only a new file takes it (an existing one keeps its own): a load writes, then checkpoints,
        // a page per system call, a quarter as many as with SQLite's default of 4 KiB.
        db.run("PRAGMA page_size = 16384");
        db.run("PRAGMA journal_mode = WAL");
        // WAL with NORMAL stays consistent on a crash; the store is rebuilt by any export anyway.
        db.run("PRAGMA synchronous = NORMAL");
        // A big load grows the WAL; let it shrink back once checkpointed.
        db.run("PRAGMA journal_size_limit = 67108864");
        // Writes are checkpointed by a BackgroundCheckpoint, not on this thread after commits.
        db.run("PRAGMA wal_autocheckpoint = 0");
        return db;
      } catch (err) {
        db.close();
        throw err;
      }
    });
    const opened = statSync(this.location);
    this.fileId = `${opened.dev}:${opened.ino}`;
    this.generation++;
    return this.db;
  }

  private guard<T>(fn: () => T, table?: GoldTableName): T {
    try {
      return fn();
    } catch (err) {
      throw this.storeError(err, table);
    }
  }

  private storeError(err: unknown, table?: GoldTableName): unknown {
    if (isFileError(err)) {
      // The file export's own writes: the disk full, the folder not writable.
      const kind = ["EACCES", "EPERM", "EROFS"].includes(err.code) ? "access_denied" : "failed";
      return new StoreError(kind, `serving store ${this.location}: ${errorLine(err)}`, { cause: err });
    }
    if (err instanceof StoreError || !(err instanceof SQLiteError)) return err;
    const [kind, what] = describe(err, this.busyTimeoutMs);
    if (kind === "not_found" && table) return notServedYet(collectionName(table, this.prefix), { cause: err });
    return new StoreError(kind, `serving store ${this.location}: ${what}`, { cause: err });
  }
}

const isFileError = (err: unknown): err is NodeJS.ErrnoException & { code: string } =>
  err instanceof Error && !(err instanceof SQLiteError) && typeof (err as NodeJS.ErrnoException).code === "string" && typeof (err as NodeJS.ErrnoException).syscall === "string";

function describe(err: SQLiteError, busyTimeoutMs: number): [StoreErrorKind, string] {
  const code = err.code ?? "";
  const is = (...codes: string[]) => codes.some((c) => code === c || code.startsWith(`${c}_`));
  if (err.message.startsWith("no such table")) return ["not_found", err.message];
  if (is("SQLITE_BUSY", "SQLITE_LOCKED")) return ["failed", `locked by another process for more than ${busyTimeoutMs} ms`];
  if (is("SQLITE_NOTADB", "SQLITE_CORRUPT")) {
    return ["failed", "not a valid SQLite database (remove it: the next export recreates it)"];
  }
  if (is("SQLITE_CANTOPEN")) return ["unreachable", "cannot be opened (does its folder exist?)"];
  if (is("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")) return ["access_denied", "not writable"];
  return ["failed", err.message];
}
