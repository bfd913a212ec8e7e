import type { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { GOLD_TABLES, type GoldTableName } from "../../contract/gold-tables.ts";
import type { ColumnDef } from "../../contract/columns.ts";
import { collectionName, loadMetadata, type ExportSession, type RefreshMetadata, type TableBatch } from "../serving-store.ts";
import { INDEXES, columnsOf } from "../table-access.ts";
import type { BackgroundCheckpoint } from "./sqlite-checkpoint.ts";
import { BatchInsert, ident } from "./sqlite-insert.ts";
import { isStaleStaging, stagingName, stagingSession } from "../staging.ts";
import { ROW_KEYS, tableDefinition } from "./sqlite-layout.ts";
import { appendMetadata } from "./sqlite-metadata.ts";

/** What an export needs of the store: its connection, and its errors made StoreErrors. */
export interface SqliteWriter {
  readonly db: Database;
  readonly prefix: string;
  readonly checkpoints: BackgroundCheckpoint;
  /** Milliseconds since the epoch: when a session starts, and when another's staging is stale. */
  now(): number;
  guard<T>(fn: () => T): T;
  storeError(err: unknown): unknown;
}

interface Staged {
  staging: string;
  meta: RefreshMetadata;
}

/**
 * One run's tables loaded into staging tables of the same file (staging.ts's names), then
 * swapped in by one transaction that drops the old tables, renames the staging ones and
 * appends `_refresh_metadata`: in WAL mode a reader's transaction sees the whole old set or the
 * whole new one. WAL works only between processes of one host, so a staging table whose
 * process is gone is a killed export's, dropped by the next one to start.
 */
export class SqliteExport implements ExportSession {
  private readonly staged: Staged[] = [];
  private readonly session: string;
  private done = false;

  constructor(
    private readonly writer: SqliteWriter,
    private readonly runId: string,
  ) {
    const { db } = writer;
    const now = writer.now();
    this.session = stagingSession(now);
    writer.guard(() => {
      const names = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
      for (const { name } of names) {
        if (isStaleStaging(name, writer.prefix, { now, sameHost: true })) db.run(`DROP TABLE IF EXISTS ${ident(name)}`);
      }
    });
  }

  async load(table: GoldTableName, batches: AsyncIterable<TableBatch>): Promise<RefreshMetadata> {
    const { db, guard, checkpoints } = this.writer;
    const started = new Date();
    const target = collectionName(table, this.writer.prefix);
    const staging = stagingName(target, this.session);
    const columns: readonly ColumnDef[] = GOLD_TABLES[table].columns;
    try {
      guard(() => db.run(`CREATE TABLE ${ident(staging)} (${tableDefinition(table)})`));
      const insert = new BatchInsert(db, staging, columns, ROW_KEYS[table]);
      try {
        for await (const batch of batches) {
          guard(() => insert.push(columnsOf(batch, columns)));
          checkpoints.request();
        }
      } finally {
        insert.finish();
      }
      // Index names outlive the rename, so each load gets its own to never meet the old ones.
      const tag = randomBytes(4).toString("hex");
      guard(() => {
        for (const columns of INDEXES[table] ?? []) {
          if (columns.length === 1 && columns[0] === ROW_KEYS[table]) continue;
          db.run(`CREATE INDEX ${ident(`${target}__${columns.join("_")}__${tag}`)} ON ${ident(staging)} (${columns.map(ident).join(", ")})`);
        }
      });
      const meta = loadMetadata(target, started, insert.count, this.runId);
      this.staged.push({ staging, meta });
      return meta;
    } catch (err) {
      this.drop(staging);
      throw this.writer.storeError(err);
    }
  }

  async commit(): Promise<RefreshMetadata[]> {
    const { db, guard, checkpoints } = this.writer;
    guard(() =>
      db.transaction(() => {
        for (const { staging, meta } of this.staged) {
          db.run(`DROP TABLE IF EXISTS ${ident(meta.collection)}`);
          db.run(`ALTER TABLE ${ident(staging)} RENAME TO ${ident(meta.collection)}`);
        }
        appendMetadata(db, this.staged.map((s) => s.meta));
      })(),
    );
    this.done = true;
    checkpoints.request();
    return this.staged.map((s) => s.meta);
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const { staging } of this.staged) this.drop(staging);
  }

  private drop(staging: string): void {
    try {
      this.writer.db.run(`DROP TABLE IF EXISTS ${ident(staging)}`);
    } catch {
      // The original failure is the one worth reporting; the next export drops it.
    }
  }
}
