import { randomBytes } from "node:crypto";
import { GOLD_TABLE_NAMES } from "../contract/gold-tables.ts";
import { processAlive } from "../core/processes.ts";
import { collectionName } from "./serving-store.ts";

/**
 * Names of the tables or collections an export loads aside, shared by the backends:
 * `<name>__staging_<session>`, the session being when it started (base 36 ms), its process and
 * a random part. Another export, of this lake or of another one writing to the same database,
 * may be loading its own beside ours, so an export's start drops only the staging no live
 * session owns. Names are checked here rather than trusted to a server's filter: a server
 * that ignored a listCollections filter once made elt drop a whole database.
 */

const STAGING = "__staging_";
/** No export lasts an hour (one at 1M purchases takes seconds): staging this old is a dead session's. */
export const STALE_STAGING_MS = 60 * 60 * 1000;

/** One export session's part of its staging names. */
export const stagingSession = (startedMs: number, pid = process.pid) => `${startedMs.toString(36)}_${pid}_${randomBytes(4).toString("hex")}`;

/** A gold table's staging name in a session. */
export const stagingName = (target: string, session: string) => `${target}${STAGING}${session}`;

export interface StaleRule {
  now: number;
  /** Every writer runs on this host (SQLite's WAL), so a session whose process is gone is dead at once. */
  sameHost: boolean;
}

/**
 * Whether `name` is staging of this prefix's gold tables that no live session owns: begun over
 * an hour ago, or by a process this host no longer runs. A name without a session's start is
 * an older elt's, whose exports dropped every staging name at start: nothing relies on it.
 */
export function isStaleStaging(name: string, prefix: string, rule: StaleRule): boolean {
  const start = GOLD_TABLE_NAMES.map((table) => collectionName(table, prefix) + STAGING).find((s) => name.length > s.length && name.startsWith(s));
  if (start === undefined) return false;
  const session = /^([0-9a-z]+)_(\d+)_[0-9a-f]{8}$/.exec(name.slice(start.length));
  if (!session) return true;
  const startedMs = parseInt(session[1]!, 36);
  return rule.now - startedMs > STALE_STAGING_MS || (rule.sameHost && !processAlive(Number(session[2])));
}
