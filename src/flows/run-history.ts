import type { RunHistory } from "../api/runs.ts";
import { checksOf } from "../quality/gate.ts";
import { listRuns, readLogs, readRun, runIds } from "../runner/run-store.ts";
import type { RunRecord, RunState } from "../runner/record.ts";
import type { ObjectStore } from "../storage/object-store.ts";

/** What a filtered listing needs of a run. */
interface Summary {
  started_at: string;
  state: RunState;
  checked: boolean;
}

/**
 * States a record keeps for good. A running one may still end, and an incomplete one is a
 * running record whose process looks gone, which its process may yet finish.
 */
const FINAL: ReadonlySet<RunState> = new Set(["succeeded", "failed", "cancelled", "skipped"]);

/** Records read at once while summarizing: a bound on the requests in flight to an object store. */
const READ_AT_ONCE = 64;

/**
 * The run history the API serves, read from the lake's `runs` bucket. A listing filtered by
 * state or by checks counts every matching run: which runs match is in their records, so each
 * finished run's record is read once and its summary kept for the server's life (a few dozen
 * bytes a run); later listings read only new runs, running ones, and the page they answer.
 */
export function runHistory(store: ObjectStore): RunHistory {
  let known = new Map<string, Summary>();

  async function summaries(ids: readonly string[]): Promise<Map<string, Summary>> {
    const next = new Map<string, Summary>();
    const unread: string[] = [];
    for (const id of ids) {
      const summary = known.get(id);
      if (summary && FINAL.has(summary.state)) next.set(id, summary);
      else unread.push(id);
    }
    for (let at = 0; at < unread.length; at += READ_AT_ONCE) {
      const batch = unread.slice(at, at + READ_AT_ONCE);
      const records = await Promise.all(batch.map((id) => readRun(store, id)));
      records.forEach((record, k) => {
        if (record) next.set(batch[k]!, { started_at: record.started_at, state: record.state, checked: checksOf(record).length > 0 });
      });
    }
    // Runs no longer listed (removed from the lake) are forgotten with the old map.
    known = next;
    return next;
  }

  return {
    async list({ limit, skip, state, checked }) {
      const ids = await runIds(store);
      if (!state && !checked) {
        // Every run counts: the listing says how many, and only the page is read.
        return { runs: await listRuns(store, { limit, skip }, ids), total: ids.length };
      }
      const summary = await summaries(ids);
      const matching = ids
        .filter((id) => {
          const s = summary.get(id);
          return s !== undefined && (!state || s.state === state) && (!checked || s.checked);
        })
        // Newest first by start time, as listRuns orders them (ids order them only to the second).
        .sort((a, b) => summary.get(b)!.started_at.localeCompare(summary.get(a)!.started_at));
      const page = await Promise.all(matching.slice(skip, skip + limit).map((id) => readRun(store, id)));
      return { runs: page.filter((r): r is RunRecord => r !== null), total: matching.length };
    },
    get: (id) => readRun(store, id),
    logs: (id) => readLogs(store, id),
  };
}
