import { Database, SQLiteError, constants } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { StoreError, type StoreErrorKind } from "../../errors.ts";
import { GOLD_TABLES, type GoldTableName } from "../../contract/gold-tables.ts";
import type { Cell, ColumnDef, ColumnType, Row } from "../../contract/columns.ts";
import {
  DEFAULT_PREFIX,
  collectionName,
  type ReadOptions,
  type RefreshMetadata,
  type ServingStore,
  type TableBatch,
} from "../serving-store.ts";
import { INDEXED_COLUMNS, checkRead, columnsOf, notServedYet } from "../table-access.ts";
import { BackgroundCheckpoint } from "./sqlite-checkpoint.ts";
import { BatchInsert, columnList, ident } from "./sqlite-insert.ts";

/**
 * The embedded serving store: one SQLite file in WAL mode, so `elt serve` keeps reading while
 * a run writes. Each gold table is a table `<prefix><table>` whose rowid is the gold row order:
 * an integer primary key `_row` (never returned), or for fact_achats its id_achat, unique and
 * ascending in gold order, so that sorting or filtering on it needs no index of its own (an
 * index on a million rows takes a good part of a second to build at every export). A table is
 * loaded into `<name>__staging_<id>` and swapped in by one transaction that drops the old
 * table, renames the staging one and records `_refresh_metadata` (one row per collection,
 * replaced at each write), so a reader sees the old table or the new one, never a mix.
 */

export interface SqliteOptions {
  /** Defaults to SPEC's `gold_`, like the Mongo store. */
  prefix?: string;
  /** How long a write waits for another writer before failing. */
  busyTimeoutMs?: number;
}

const SQL_TYPES: Record<ColumnType, string> = { int: "INTEGER", double: "REAL", string: "TEXT", date: "TEXT" };
const METADATA = "_refresh_metadata";
const OPERATORS = { eq: "=", gte: ">=", lte: "<=" } as const;
/** Tables whose rowid is one of their columns (SPEC: one fact row per id_achat, by id_achat). */
const ROW_KEYS: Partial<Record<GoldTableName, string>> = { fact_achats: "id_achat" };
/** The column that holds a table's gold row order. */
const rowOrder = (table: GoldTableName) => ident(ROW_KEYS[table] ?? "_row");

function tableDefinition(table: GoldTableName): string {
  const key = ROW_KEYS[table];
  const defs = GOLD_TABLES[table].columns.map(
    (c) => `${ident(c.name)} ${c.name === key ? "INTEGER PRIMARY KEY" : SQL_TYPES[c.type]}`,
  );
  return (key ? defs : ["_row INTEGER PRIMARY KEY", ...defs]).join(", ");
}

export function openSqliteStore(path: string, options: SqliteOptions = {}): ServingStore {
  return new SqliteStore(path, options.prefix ?? DEFAULT_PREFIX, options.busyTimeoutMs ?? 5000);
}

class SqliteStore implements ServingStore {
  readonly kind = "sqlite";
  private db: Database | undefined;
  /** dev:inode of the open file, to notice it was removed or replaced under us. */
  private fileId = "";
  /** Copies this connection's writes into the database file, off the writing thread. */
  private checkpoints: BackgroundCheckpoint | undefined;

  constructor(
    readonly location: string,
    readonly prefix: string,
    private readonly busyTimeoutMs: number,
  ) {
    this.connection(true);
  }

  async replaceTable(table: GoldTableName, batches: AsyncIterable<TableBatch>, runId: string): Promise<RefreshMetadata> {
    const started = new Date();
    const db = this.connection(true);
    const target = collectionName(table, this.prefix);
    // Named per write, so two writers never drop each other's staging table.
    const staging = `${target}__staging_${process.pid}_${Date.now().toString(36)}`;
    const columns: readonly ColumnDef[] = GOLD_TABLES[table].columns;
    try {
      this.guard(() => {
        // Left by a killed export: writers hold the lake's lock, so none of these is in use.
        const leftovers = db
          .query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'")
          .all(`${target.replaceAll("_", "\\_")}\\_\\_staging%`) as { name: string }[];
        for (const { name } of leftovers) db.run(`DROP TABLE IF EXISTS ${ident(name)}`);
        db.run(`CREATE TABLE ${ident(staging)} (${tableDefinition(table)})`);
      });
      const insert = new BatchInsert(db, staging, columns, ROW_KEYS[table]);
      const checkpoints = (this.checkpoints ??= new BackgroundCheckpoint(this.location));
      for await (const batch of batches) {
        this.guard(() => insert.push(columnsOf(batch, columns)));
        checkpoints.request();
      }
      insert.finish();
      // Index names outlive the rename, so each load gets its own to never meet the old ones.
      const tag = randomBytes(4).toString("hex");
      this.guard(() => {
        for (const column of INDEXED_COLUMNS[table] ?? []) {
          if (column === ROW_KEYS[table]) continue;
          db.run(`CREATE INDEX ${ident(`${target}__${column}__${tag}`)} ON ${ident(staging)} (${ident(column)})`);
        }
      });
      const ended = new Date();
      const meta: RefreshMetadata = {
        collection: target,
        write_start: started.toISOString(),
        write_end: ended.toISOString(),
        duration_seconds: (ended.getTime() - started.getTime()) / 1000,
        record_count: insert.count,
        run_id: runId,
      };
      this.guard(() =>
        db.transaction(() => {
          db.run(`DROP TABLE IF EXISTS ${ident(target)}`);
          db.run(`ALTER TABLE ${ident(staging)} RENAME TO ${ident(target)}`);
          db.run(
            `CREATE TABLE IF NOT EXISTS ${METADATA} (collection TEXT PRIMARY KEY, write_start TEXT NOT NULL,
             write_end TEXT NOT NULL, duration_seconds REAL NOT NULL, record_count INTEGER NOT NULL, run_id TEXT NOT NULL)`,
          );
          db.query(`INSERT OR REPLACE INTO ${METADATA} VALUES (?, ?, ?, ?, ?, ?)`).run(
            meta.collection,
            meta.write_start,
            meta.write_end,
            meta.duration_seconds,
            meta.record_count,
            meta.run_id,
          );
        })(),
      );
      checkpoints.request();
      return meta;
    } catch (err) {
      try {
        db.run(`DROP TABLE IF EXISTS ${ident(staging)}`);
      } catch {
        // The original failure is the one worth reporting.
      }
      throw this.storeError(err);
    }
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
    const select = `SELECT ${columns} FROM ${name}${where} ORDER BY ${order} LIMIT ? OFFSET ?`;
    // Without a filter the count is the one recorded when the table was swapped in, in the same
    // transaction, where COUNT(*) walked the whole table (milliseconds per request at 1M rows).
    const [count, countValues] = where
      ? [`SELECT COUNT(*) AS n FROM ${name}${where}`, values]
      : [`SELECT record_count AS n FROM ${METADATA} WHERE collection = ?`, [collectionName(table, this.prefix)]];
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
    const exists = this.guard(() => db.query(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(METADATA));
    if (!exists) return [];
    const all = `SELECT * FROM ${METADATA} ORDER BY collection`;
    return this.guard(() =>
      collection === undefined
        ? db.query<RefreshMetadata, []>(all).all()
        : db.query<RefreshMetadata, [string]>(`SELECT * FROM ${METADATA} WHERE collection = ?`).all(collection),
    );
  }

  async ping(): Promise<void> {
    const db = this.connection();
    this.guard(() => db.query("SELECT count(*) FROM sqlite_master").get());
  }

  async close(): Promise<void> {
    await this.checkpoints?.close();
    this.checkpoints = undefined;
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
    if (err instanceof StoreError || !(err instanceof SQLiteError)) return err;
    const [kind, what] = describe(err, this.busyTimeoutMs);
    if (kind === "not_found" && table) return notServedYet(collectionName(table, this.prefix), { cause: err });
    return new StoreError(kind, `serving store ${this.location}: ${what}`, { cause: err });
  }
}

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
