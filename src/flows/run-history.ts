import type { RunHistory } from "../api/runs.ts";
import { listRuns, readLogs, readRun } from "../runner/run-store.ts";
import type { ObjectStore } from "../storage/object-store.ts";

/** How many of the latest runs the API pages through; older runs stay readable by id. */
const LISTED = 1000;

/** The run history the API serves, read from the lake's `runs` bucket. */
export function runHistory(store: ObjectStore): RunHistory {
  return {
    async list({ limit, skip, state }) {
      const matching = await listRuns(store, { limit: LISTED, state });
      return { runs: matching.slice(skip, skip + limit), total: matching.length };
    },
    get: (id) => readRun(store, id),
    logs: (id) => readLogs(store, id),
  };
}
