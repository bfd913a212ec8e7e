import { hostname } from "node:os";
import type { ObjectStore } from "../storage/object-store.ts";
import { isNotFound } from "../core/errors.ts";
import { THIS_PROCESS, knownDead } from "../core/processes.ts";
import { listAll, readJsonOrNull, readText } from "../storage/object-store.ts";
import { runKeys } from "../contract/lake.ts";
import type { LogLine, RunRecord } from "./record.ts";

/**
 * Where runs live in the `runs` bucket: `<id>/run.json` and `<id>/logs.jsonl`. Ids start
 * with a UTC timestamp, so key order is start order.
 */

export const recordKey = runKeys.record;
export const logsKey = runKeys.logs;

/** A running record that has not beaten for this long belongs to a dead process. */
export const STALE_AFTER_MS = 60_000;

export function newRunId(flow: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${flow}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * A record as a reader should see it: "running" becomes "incomplete" once its process is gone,
 * or once it stopped beating: a live process whose store went away cannot finish its record.
 */
export function effectiveState(record: RunRecord, now = Date.now()): RunRecord {
  if (record.state !== "running") return record;
  const silent = now - Date.parse(record.heartbeat_at) > STALE_AFTER_MS;
  const dead = silent || knownDead(record.host, record.pid, record.pid_ns, hostname());
  return dead ? { ...record, state: "incomplete" } : record;
}

export async function readRun(store: ObjectStore, id: string): Promise<RunRecord | null> {
  const record = await readJsonOrNull<RunRecord>(store, "runs", recordKey(id));
  return record && effectiveState(record);
}

export interface RunFilter {
  limit?: number;
  /** How many of the newest matching runs to leave out (a page further on). */
  skip?: number;
  /** Only runs of this flow (`all`, `gold`, `silver+gold`, `rollback`). */
  flow?: string;
  /** Only runs in this state, as a reader sees it (a dead "running" one is "incomplete"). */
  state?: RunRecord["state"];
  /** Only runs that pass it, such as runs that recorded quality checks. */
  where?: (record: RunRecord) => boolean;
}

/** Records read at once, at least, while looking for runs that pass a filter. */
const PAGE = 32;

/** The ids of the runs, newest first (their records' keys listed, none read), of one flow if given. */
export async function runIds(store: ObjectStore, flow?: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const info of listAll(store, "runs", "")) {
    if (info.key.endsWith(runKeys.recordSuffix)) ids.push(info.key.slice(0, -runKeys.recordSuffix.length));
  }
  return ids.filter((id) => !flow || id.split("-")[1] === flow).sort().reverse();
}

/**
 * The most recent runs that pass the filter, newest first by start time. Ids begin with the
 * second a run started, so the latest ids hold the latest runs; within one second their start
 * times decide, not the flow names that follow the stamp. Records are read newest first, a
 * page at a time, until enough pass: one that does not (another state, a skipped tick without
 * checks) takes no place, and no more are read than the answer needs. `ids`: what `runIds`
 * answered, when the caller has it already.
 */
export async function listRuns(store: ObjectStore, filter: RunFilter = {}, ids?: readonly string[]): Promise<RunRecord[]> {
  const { limit = 20, skip = 0, state, where } = filter;
  const newest = ids ?? (await runIds(store, filter.flow));
  const wanted = skip + limit;
  const found: RunRecord[] = [];
  let next = 0;
  while (next < newest.length && found.length < wanted) {
    let end = Math.min(newest.length, next + Math.max(wanted - found.length, PAGE));
    // Runs started in the same second as the last one read may have started after it.
    end = secondOf(newest, end - 1)[1];
    const page = await Promise.all(newest.slice(next, end).map((id) => readRun(store, id)));
    for (const record of page) if (record && (!state || record.state === state) && (!where || where(record))) found.push(record);
    next = end;
  }
  return found.sort((a, b) => b.started_at.localeCompare(a.started_at)).slice(skip, wanted);
}

/** Runs pruned at most by one call: a long history pruned for the first time goes over several runs. */
export const PRUNED_AT_MOST = 2_000;

/** Deletions in flight at once while pruning: a bound on the requests to an object store. */
const DELETE_AT_ONCE = 16;

/**
 * Deletes the records and logs of the runs beyond the newest `keep` (Infinity: none), but the
 * `spared` ones and any still running (a long run among many skipped ticks). The logs go
 * first: a prune cut short leaves a record without logs, never logs no listing finds.
 * Answers how many runs went.
 */
export async function pruneRuns(store: ObjectStore, keep: number, spared: ReadonlySet<string> = new Set()): Promise<number> {
  if (!(keep >= 1)) throw new RangeError(`runs kept must be 1 or more, not ${keep}`);
  if (!Number.isFinite(keep)) return 0;
  // Only ids of elt's shape: the bucket may be shared (ELT_BUCKET_RUNS), another program's run.json is its own.
  const ids = (await runIds(store)).filter(runKeys.isId);
  if (ids.length <= keep) return 0;
  // Runs of the second the newest `keep` end in are ordered by their start times, not their ids' random tails.
  const [from, to] = secondOf(ids, keep);
  if (from < keep) {
    const started = new Map(await Promise.all(ids.slice(from, to).map(async (id) => [id, (await readRun(store, id).catch(notJson))?.started_at ?? ""] as const)));
    byStart(ids, from, to, (id) => started.get(id)!);
  }
  // The oldest first: a history pruned over several runs keeps no gap.
  const old = ids.slice(keep).filter((id) => !spared.has(id)).slice(-PRUNED_AT_MOST);
  let pruned = 0;
  for (let at = 0; at < old.length; at += DELETE_AT_ONCE) {
    await Promise.all(
      old.slice(at, at + DELETE_AT_ONCE).map(async (id) => {
        // A record that is not JSON is as prunable as any.
        const record = await readRun(store, id).catch(notJson);
        if (record?.state === "running") return;
        await store.delete("runs", logsKey(id));
        await store.delete("runs", recordKey(id));
        pruned++;
      }),
    );
  }
  return pruned;
}

/** A record that is not JSON reads as none; the store's own failures stop the prune. */
function notJson(err: unknown): null {
  if (err instanceof SyntaxError) return null;
  throw err;
}

/** The second a run started, as its id begins with it (`20260101T000000Z`). */
const stampOf = (id: string) => id.slice(0, id.indexOf("-"));

/** Where the runs of the second `ids[at]` started in stand in `ids` (runIds' order): `[from, to)`. */
export function secondOf(ids: readonly string[], at: number): [from: number, to: number] {
  const stamp = stampOf(ids[at]!);
  let from = at;
  let to = at + 1;
  while (from > 0 && stampOf(ids[from - 1]!) === stamp) from--;
  while (to < ids.length && stampOf(ids[to]!) === stamp) to++;
  return [from, to];
}

/** Puts `ids[from, to)`, runs of one second, newest first by their start times rather than their ids' random tails. */
export function byStart(ids: string[], from: number, to: number, startedAt: (id: string) => string): void {
  const second = ids.slice(from, to).sort((a, b) => {
    const [x, y] = [startedAt(a), startedAt(b)];
    return x < y ? 1 : x > y ? -1 : 0;
  });
  ids.splice(from, to - from, ...second);
}

/** A run named by its id or by a part of it that only its id contains. */
export type RunMatch = { id: string } | { candidates: string[] };

/** The run `ref` names: the id itself, else the one id containing it; several are candidates (newest first), none is null. */
export async function resolveRunId(store: ObjectStore, ref: string): Promise<RunMatch | null> {
  const matches: string[] = [];
  for await (const info of listAll(store, "runs", "")) {
    if (!info.key.endsWith(runKeys.recordSuffix)) continue;
    const id = info.key.slice(0, -runKeys.recordSuffix.length);
    if (id === ref) return { id };
    if (id.includes(ref)) matches.push(id);
  }
  if (matches.length === 0) return null;
  return matches.length === 1 ? { id: matches[0]! } : { candidates: matches.sort().reverse() };
}

export async function readLogs(store: ObjectStore, id: string): Promise<LogLine[]> {
  try {
    const text = await readText(store, "runs", logsKey(id));
    return text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as LogLine);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

export interface SkippedRun {
  flow: string;
  parameters: Record<string, unknown>;
  trigger: string;
  /** The tick that did not run. */
  at: Date;
  reason: string;
}

/** Records a tick that did not run, so `elt runs` shows the gap in a schedule and why. */
export async function saveSkippedRun(store: ObjectStore, skipped: SkippedRun): Promise<RunRecord> {
  const at = skipped.at.toISOString();
  const record: RunRecord = {
    id: newRunId(skipped.flow, skipped.at),
    flow: skipped.flow,
    state: "skipped",
    parameters: skipped.parameters,
    started_at: at,
    ended_at: at,
    duration_ms: 0,
    heartbeat_at: new Date().toISOString(),
    host: hostname(),
    ...THIS_PROCESS,
    tasks: [],
    trigger: skipped.trigger,
    reason: skipped.reason,
  };
  const line: LogLine = { ts: record.heartbeat_at, level: "warn", msg: `run skipped: ${skipped.reason}` };
  await store.put("runs", recordKey(record.id), JSON.stringify(record, null, 2));
  await store.put("runs", logsKey(record.id), JSON.stringify(line) + "\n");
  return record;
}
