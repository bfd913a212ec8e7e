/** The run record: the single source of truth about a run, stored at `runs/<id>/run.json`. */

export type TaskState = "pending" | "running" | "succeeded" | "failed" | "skipped";
/** "incomplete": the record says running but its process is gone (killed or crashed). */
export type RunState = "running" | "succeeded" | "failed" | "incomplete";

export interface TaskRecord {
  name: string;
  state: TaskState;
  attempts: number;
  started_at?: string;
  ended_at?: string;
  duration_ms?: number;
  /** Rows read and written, when the task moves rows. */
  rows_in?: number;
  rows_out?: number;
  /** Anything else the task reports: reject counts per reason, orphans, bytes, keys written. */
  metrics?: Record<string, unknown>;
  /** One line, secrets removed. */
  error?: string;
  /** Why a task was skipped. */
  reason?: string;
}

export interface RunRecord {
  id: string;
  flow: string;
  state: RunState;
  parameters: Record<string, unknown>;
  as_of?: string;
  started_at: string;
  ended_at?: string;
  duration_ms?: number;
  /** Last time the run wrote its record: a running record that stopped beating is incomplete. */
  heartbeat_at: string;
  host: string;
  pid: number;
  tasks: TaskRecord[];
  error?: string;
}

export interface LogLine {
  ts: string;
  level: "debug" | "info" | "warn" | "error";
  task?: string;
  msg: string;
  [field: string]: unknown;
}

/** Rows a run wrote: what `elt runs` and the dashboard show. */
export function rowsOf(r: RunRecord): number {
  return r.tasks.reduce((sum, t) => sum + (t.rows_out ?? 0), 0);
}
