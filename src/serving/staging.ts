import { randomBytes } from "node:crypto";
import { GOLD_TABLE_NAMES } from "../contract/gold-tables.ts";
import { PID_NAMESPACE, processAlive } from "../core/processes.ts";
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

/**
 * The first four hex digits of a session's last part: the low 16 bits of its process's pid
 * namespace number. Only a process of the same namespace looks its pid up (a container's
 * pid 7 is not the host's). The names keep the shape earlier elts read; their last part was
 * all random, so a session of theirs is judged by its age alone, unless its digits match.
 */
const NAMESPACE_TAG = (Number(PID_NAMESPACE) & 0xffff).toString(16).padStart(4, "0");
const SESSION = /^([0-9a-z]+)_(\d+)_([0-9a-f]{4})[0-9a-f]{4}$/;

/**
 * The last four digits: random at start, then one more per session, so two sessions of one
 * process in one millisecond never share a name (another process differs by its pid, or by
 * its namespace's digits).
 */
let sessions = randomBytes(2).readUInt16BE(0);

/** One export session's part of its staging names. */
export const stagingSession = (startedMs: number, pid = process.pid, tag = NAMESPACE_TAG) =>
  `${startedMs.toString(36)}_${pid}_${tag}${(sessions++ & 0xffff).toString(16).padStart(4, "0")}`;

/** A gold table's staging name in a session. */
export const stagingName = (target: string, session: string) => `${target}${STAGING}${session}`;

export interface StaleRule {
  now: number;
  /** Every writer runs on this host (SQLite's WAL), so a session whose process is gone is dead at once. */
  sameHost: boolean;
}

/** Whether no live process owns `session`: begun over an hour ago, or by a process of this host and namespace that is gone. */
export function isStaleSession(session: string, rule: StaleRule): boolean {
  const parts = SESSION.exec(session);
  if (!parts) return true;
  if (rule.now - parseInt(parts[1]!, 36) > STALE_STAGING_MS) return true;
  return rule.sameHost && parts[3] === NAMESPACE_TAG && !processAlive(Number(parts[2]));
}

/**
 * Whether `name` is staging of this prefix's gold tables that no live session owns. A name
 * without a session's start is an older elt's, whose exports dropped every staging name at
 * start: nothing relies on it.
 */
export function isStaleStaging(name: string, prefix: string, rule: StaleRule): boolean {
  const start = GOLD_TABLE_NAMES.map((table) => collectionName(table, prefix) + STAGING).find((s) => name.length > s.length && name.startsWith(s));
  return start !== undefined && isStaleSession(name.slice(start.length), rule);
}
