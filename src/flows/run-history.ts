import type { RunHistory } from "../api/runs.ts";
import { checksOf } from "../quality/gate.ts";
import { STALE_AFTER_MS, byStart, listRuns, readLogs, readRun, runIds, secondOf } from "../runner/run-store.ts";
import type { RunRecord, RunState } from "../runner/record.ts";
import type { ObjectStore } from "../storage/object-store.ts";

/** What a listing by state needs of a run, and when its record was read. */
interface Summary {
  started_at: string;
  state: RunState;
  readAt: number;
}

/**
 * States a record keeps for good. A running one may still end, and an incomplete one is a
 * running record whose process looks gone, which that process may yet finish.
 */
const FINAL: ReadonlySet<RunState> = new Set(["succeeded", "failed", "cancelled", "skipped"]);

/** Records read at once while summarizing: a bound on the requests in flight to an object store. */
const READ_AT_ONCE = 64;

/**
 * The run history the API serves, read from the lake's `runs` bucket. A listing by state
 * counts every run in that state: which runs are is in their records, so each finished run's
 * record is read once and its summary kept for the server's life (a couple of hundred bytes a
 * run); later listings read only new runs, running ones, incomplete ones at most once a
 * minute (killed runs stay incomplete for good), and the page they answer.
 */
export function runHistory(store: ObjectStore): RunHistory {
  const known = new Map<string, Summary>();
  /** Reads under way, by run: listings at once share them. */
  const reading = new Map<string, Promise<void>>();

  const current = (summary: Summary | undefined, now: number) =>
    summary !== undefined && (FINAL.has(summary.state) || (summary.state === "incomplete" && now - summary.readAt < STALE_AFTER_MS));

  async function readSummary(id: string): Promise<void> {
    try {
      const record = await readRun(store, id);
      if (record) known.set(id, { started_at: record.started_at, state: record.state, readAt: Date.now() });
      else known.delete(id);
    } catch (err) {
      // A record that is not JSON (written half by a full disk, edited by hand) is left out of
      // the counts and read again next time; the store's own failures are the listing's.
      if (!(err instanceof SyntaxError)) throw err;
      known.delete(id);
    }
  }

  async function summarize(ids: readonly string[]): Promise<void> {
    const now = Date.now();
    const unread = ids.filter((id) => !current(known.get(id), now));
    for (let at = 0; at < unread.length; at += READ_AT_ONCE) {
      await Promise.all(
        unread.slice(at, at + READ_AT_ONCE).map((id) => {
          let read = reading.get(id);
          if (!read) {
            // Read meanwhile by a listing running beside this one.
            if (current(known.get(id), now)) return;
            read = readSummary(id).finally(() => reading.delete(id));
            reading.set(id, read);
          }
          return read;
        }),
      );
    }
    // Runs no longer listed (removed from the lake) are forgotten.
    if (known.size > ids.length) {
      const listed = new Set(ids);
      for (const id of known.keys()) if (!listed.has(id)) known.delete(id);
    }
  }

  /** Ids newest first by start time: runIds orders them to the second, so only runs of one second are reordered. */
  function newestFirst(ids: string[]): string[] {
    for (let from = 0; from < ids.length; ) {
      const [, to] = secondOf(ids, from);
      if (to - from > 1) byStart(ids, from, to, (id) => known.get(id)!.started_at);
      from = to;
    }
    return ids;
  }

  return {
    async list({ limit, skip, state }) {
      const ids = await runIds(store);
      if (!state) {
        // Every run counts: the listing says how many, and only the page is read.
        return { runs: await listRuns(store, { limit, skip }, ids), total: ids.length };
      }
      await summarize(ids);
      const matching = newestFirst(ids.filter((id) => known.get(id)?.state === state));
      const page = await Promise.all(matching.slice(skip, skip + limit).map((id) => readRun(store, id)));
      // A run may have ended since it was summarized: the page holds only what is in the state now.
      return { runs: page.filter((r): r is RunRecord => r?.state === state), total: matching.length };
    },
    // No count is asked: records are read newest first until enough have checks.
    withChecks: (limit) => listRuns(store, { limit, where: (record) => checksOf(record).length > 0 }),
    get: (id) => readRun(store, id),
    logs: (id) => readLogs(store, id),
  };
}
