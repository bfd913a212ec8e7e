import type { Database } from "bun:sqlite";
import { KEPT_WRITES, type RefreshMetadata } from "../serving-store.ts";

/**
 * `_refresh_metadata` in SQLite: one row per write, appended, so the rowid orders a
 * collection's writes and its latest row is the current one; each collection keeps its latest
 * KEPT_WRITES. An earlier layout kept one row per collection (its primary key); the first
 * write moves those rows into the history.
 */

export const METADATA = "_refresh_metadata";
export const METADATA_COLUMNS = "collection, write_start, write_end, duration_seconds, record_count, run_id";
const DEFINITION = `collection TEXT NOT NULL, write_start TEXT NOT NULL, write_end TEXT NOT NULL,
  duration_seconds REAL NOT NULL, record_count INTEGER NOT NULL, run_id TEXT NOT NULL`;

/** The rowid of each collection's latest write. */
const LATEST = `SELECT max(rowid) FROM ${METADATA} GROUP BY collection`;

export function hasMetadata(db: Database): boolean {
  return db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(METADATA) !== null;
}

/** Appends one row per write; to be called inside the transaction that swaps the tables in. */
export function appendMetadata(db: Database, metas: readonly RefreshMetadata[]): void {
  const existing = db.query<{ sql: string }, [string]>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(METADATA);
  if (existing && /PRIMARY KEY/i.test(existing.sql)) {
    db.run(`ALTER TABLE ${METADATA} RENAME TO ${METADATA}__one_per_collection`);
    db.run(`CREATE TABLE ${METADATA} (${DEFINITION})`);
    db.run(`INSERT INTO ${METADATA} (${METADATA_COLUMNS}) SELECT ${METADATA_COLUMNS} FROM ${METADATA}__one_per_collection`);
    db.run(`DROP TABLE ${METADATA}__one_per_collection`);
  } else if (!existing) {
    db.run(`CREATE TABLE ${METADATA} (${DEFINITION})`);
  }
  db.run(`CREATE INDEX IF NOT EXISTS ${METADATA}__collection ON ${METADATA} (collection)`);
  const insert = db.query(`INSERT INTO ${METADATA} (${METADATA_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`);
  for (const m of metas) insert.run(m.collection, m.write_start, m.write_end, m.duration_seconds, m.record_count, m.run_id);
  db.run(`DELETE FROM ${METADATA} WHERE rowid IN (${BEYOND_KEPT})`, [KEPT_WRITES]);
}

const BEYOND_KEPT = `SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY collection ORDER BY rowid DESC) AS k FROM ${METADATA}) WHERE k > ?`;

/** Each collection's latest write, by collection name, or only that of `collection`. */
export function latestMetadata(db: Database, collection?: string): RefreshMetadata[] {
  if (collection !== undefined) {
    const one = db
      .query<RefreshMetadata, [string]>(`SELECT ${METADATA_COLUMNS} FROM ${METADATA} WHERE collection = ? ORDER BY rowid DESC LIMIT 1`)
      .get(collection);
    return one ? [one] : [];
  }
  return db.query<RefreshMetadata, []>(`SELECT ${METADATA_COLUMNS} FROM ${METADATA} WHERE rowid IN (${LATEST}) ORDER BY collection`).all();
}

/** The record count of a collection's latest write, the count of its unfiltered reads. */
export const LATEST_COUNT = `SELECT record_count AS n FROM ${METADATA} WHERE collection = ? ORDER BY rowid DESC LIMIT 1`;
