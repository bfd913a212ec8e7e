/** The run record: the single source of truth about a run, stored at `runs/<id>/run.json`. */

export type TaskState = "pending" | "running" | "succeeded" | "failed" | "skipped";
/**
 * "incomplete": the record says running but its process is gone (killed or crashed);
 * "cancelled": a signal (Ctrl-C, SIGTERM) stopped it, and it ended cleanly;
 * "skipped": a schedule's tick that did not run (a run was still going, or another process held the lake).
 */
export type RunState = "running" | "succeeded" | "failed" | "cancelled" | "incomplete" | "skipped";

/** Every state, in the order filters list them. */
export const RUN_STATES = ["running", "succeeded", "failed", "cancelled", "incomplete", "skipped"] as const satisfies readonly RunState[];

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
  /** The process's pid namespace: its pid is looked up only from the same one (absent in earlier records). */
  pid_ns?: string;
  tasks: TaskRecord[];
  error?: string;
  /** Set when the run was cancelled: why, the task it stopped in (none between tasks), and when. */
  cancelled?: { reason: string; task?: string; at: string };
  /** What started it when not a person: "schedule every 15m", "schedule cron 0 * * * * UTC", "watch". */
  trigger?: string;
  /** Why a "skipped" run did not run. */
  reason?: string;
}

export interface LogLine {
  ts: string;
  level: "debug" | "info" | "warn" | "error";
  task?: string;
  msg: string;
  [field: string]: unknown;
}

/**
 * The rows a run is judged by: source rows read (bronze), rows silver kept, fact rows gold
 * published; undefined for a layer the run did not complete. A sum over tasks would add each
 * row once per layer it went through.
 */
export function runRows(r: RunRecord): { read?: number; kept?: number; published?: number } {
  const done = r.tasks.filter((t) => t.state === "succeeded");
  const bronze = done.filter((t) => t.name.startsWith("bronze."));
  const tables = done.find((t) => t.name === "gold")?.metrics?.tables as Record<string, number> | undefined;
  return {
    read: bronze.length ? bronze.reduce((n, t) => n + (t.rows_in ?? 0), 0) : undefined,
    kept: done.find((t) => t.name === "silver")?.rows_out,
    published: typeof tables?.fact_achats === "number" ? tables.fact_achats : undefined,
  };
}
