import type { RunRecord } from "../runner/record.ts";
import { checksOf } from "./gate.ts";

/** Each check's results across runs, so a creeping value shows before it blocks: what `elt checks` and `/checks` answer. */

export interface CheckHistory {
  check: string;
  subject: string;
  unit: string;
  /** Oldest first. */
  runs: { run_id: string; started_at: string; value: number | null; outcome: string; warn: number | false; error: number | false }[];
}

/** Each check (per subject) across runs, oldest run first, from the records' check results. */
export function checkHistory(records: readonly RunRecord[]): CheckHistory[] {
  const byKey = new Map<string, CheckHistory>();
  for (const record of [...records].sort((a, b) => a.started_at.localeCompare(b.started_at))) {
    for (const c of checksOf(record)) {
      const key = `${c.check}|${c.subject}`;
      let history = byKey.get(key);
      if (!history) byKey.set(key, (history = { check: c.check, subject: c.subject, unit: c.unit, runs: [] }));
      history.runs.push({ run_id: record.id, started_at: record.started_at, value: c.value, outcome: c.outcome, warn: c.warn, error: c.error });
    }
  }
  return [...byKey.values()];
}
