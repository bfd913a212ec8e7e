import type { RunHistory } from "../api/runs.ts";
import { runKeys } from "../contract/lake.ts";
import { readLogs, readRun } from "../runner/run-store.ts";
import type { RunRecord } from "../runner/record.ts";
import { listAll, type ObjectStore } from "../storage/object-store.ts";

/** How many of the latest run ids a listing reads records of; older runs stay readable by id. */
const LISTED = 1000;

/** The run history the API serves, read from the lake's `runs` bucket. */
export function runHistory(store: ObjectStore): RunHistory {
  const records = async (): Promise<RunRecord[]> => {
    const ids: string[] = [];
    for await (const info of listAll(store, "runs", "")) {
      if (info.key.endsWith(runKeys.recordSuffix)) ids.push(info.key.slice(0, -runKeys.recordSuffix.length));
    }
    // Ids start with the second a run started: the latest ones by id are the latest runs.
    const latest = ids.sort().reverse().slice(0, LISTED);
    const read = await Promise.all(latest.map((id) => readRun(store, id)));
    // Runs started in the same second sort by their start time, not by their flow's name.
    return read.filter((r): r is RunRecord => r !== null).sort((a, b) => b.started_at.localeCompare(a.started_at));
  };
  return {
    async list({ limit, skip, state }) {
      const matching = (await records()).filter((r) => !state || r.state === state);
      return { runs: matching.slice(skip, skip + limit), total: matching.length };
    },
    get: (id) => readRun(store, id),
    logs: (id) => readLogs(store, id),
  };
}
