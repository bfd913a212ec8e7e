import type { RunHistory } from "../api/runs.ts";
import { checksOf } from "../quality/gate.ts";
import { listRuns, readLogs, readRun, runIds } from "../runner/run-store.ts";
import type { RunRecord } from "../runner/record.ts";
import type { ObjectStore } from "../storage/object-store.ts";

/** How many of the latest runs in one state the API counts; older ones stay readable by id. */
const COUNTED = 1000;

/** The run history the API serves, read from the lake's `runs` bucket. */
export function runHistory(store: ObjectStore): RunHistory {
  return {
    async list({ limit, skip, state, checked }) {
      const where = checked ? (record: RunRecord) => checksOf(record).length > 0 : undefined;
      if (!state && !where) {
        // Every run counts: the listing says how many, and only the page is read.
        const ids = await runIds(store);
        return { runs: await listRuns(store, { limit, skip }, ids), total: ids.length };
      }
      // Which runs match is in their records: counting them reads them, up to COUNTED.
      const matching = await listRuns(store, { limit: COUNTED, state, where });
      return { runs: matching.slice(skip, skip + limit), total: matching.length };
    },
    get: (id) => readRun(store, id),
    logs: (id) => readLogs(store, id),
  };
}
