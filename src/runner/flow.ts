import { hostname } from "node:os";
import { EltError, StoreError, errorLine } from "../core/errors.ts";
import { THIS_PROCESS } from "../core/processes.ts";
import { redact } from "../core/redact.ts";
import { withRetry } from "../core/retry.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import type { LogLine, RunRecord, TaskRecord } from "./record.ts";
import { logsKey, newRunId, recordKey } from "./run-store.ts";

/**
 * The in-process task runner (what Prefect did for the original project): named tasks with
 * dependencies, retries with exponential backoff, a timeout, states, counts, and a run record
 * plus logs written to the `runs` bucket as the run progresses.
 */

export class SkipTask extends Error {}

/** Why a cancelled task stopped: the run's signal was aborted (Ctrl-C, SIGTERM). */
export class RunCancelled extends EltError {}

/** A step of a task's work as the layer reports it: numbers, which ui/ puts into words. */
export interface Progress {
  what: string;
  rows?: number;
}

export interface TaskContext {
  readonly runId: string;
  readonly attempt: number;
  /**
   * Aborted when the task times out or the run is cancelled: a task checks it at each batch
   * (`signal.throwIfAborted()`), and the runner waits for it to stop before the run ends.
   */
  readonly signal: AbortSignal;
  log(level: LogLine["level"], msg: string, fields?: Record<string, unknown>): void;
  /** Adds to the task's row counts and metrics (later values of a metric replace earlier ones). */
  report(update: { rows_in?: number; rows_out?: number; metrics?: Record<string, unknown> }): void;
  /** Ends the task as skipped, with the reason. */
  skip(reason: string): never;
  /** Live progress for the terminal, not recorded: what the task is at, and how many rows it has done. */
  progress(step: Progress): void;
}

export interface Task {
  name: string;
  dependsOn?: string[];
  /** Further attempts after a transient failure (StoreError unreachable/failed). */
  retries?: number;
  timeoutMs?: number;
  run(ctx: TaskContext): Promise<void>;
}

export interface Flow {
  name: string;
  tasks: Task[];
  parameters: Record<string, unknown>;
  asOf?: string;
}

/** What the terminal shows while a flow runs; the runner never writes to stdout itself. */
export interface FlowObserver {
  taskStarted?(task: TaskRecord): void;
  taskProgress?(task: string, step: Progress): void;
  taskEnded?(task: TaskRecord): void;
  retrying?(task: string, error: string, attempt: number, delayMs: number): void;
  warn?(message: string): void;
}

export interface RunOptions {
  store: ObjectStore;
  /** Scrubbed from every log line, error and record. */
  secrets: readonly string[];
  observer?: FlowObserver;
  /** Backoff base for retries; tests make it small. */
  retryBaseMs?: number;
  heartbeatMs?: number;
  /**
   * Aborting it cancels the run (its reason, e.g. "SIGINT", is recorded): the running task
   * stops at its next batch, the tasks after it are skipped, and the run ends "cancelled".
   */
  signal?: AbortSignal;
  /** What started the run, when not a person (see RunRecord.trigger). */
  trigger?: string;
}

const HEARTBEAT_MS = 5_000;
/** Further attempts at writing the final record: it is the one a reader must get. */
const FINAL_SAVE_RETRIES = 3;

interface Snapshot {
  id: string;
  record: string;
  logs: string;
}

/**
 * Final records that could not be written because the store was down, per store: the next
 * run on that store writes them first, so a failed run is not left reading "running".
 */
const unsaved = new WeakMap<ObjectStore, Snapshot[]>();

async function write(store: ObjectStore, snapshot: Snapshot): Promise<void> {
  await store.put("runs", recordKey(snapshot.id), snapshot.record);
  await store.put("runs", logsKey(snapshot.id), snapshot.logs);
}

async function writeUnsaved(store: ObjectStore): Promise<void> {
  const waiting = unsaved.get(store) ?? [];
  for (const snapshot of waiting.splice(0)) {
    // Still down: the run about to start will fail or be retried; keep the record for later.
    await write(store, snapshot).catch(() => waiting.push(snapshot));
  }
}

function order(tasks: Task[]): Task[] {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: Task[] = [];
  const visit = (t: Task, path: string[]) => {
    if (done.has(t.name)) return;
    if (path.includes(t.name)) throw new EltError(`flow has a dependency cycle: ${[...path, t.name].join(" -> ")}`);
    for (const dep of t.dependsOn ?? []) {
      const d = byName.get(dep);
      if (!d) throw new EltError(`task ${t.name} depends on unknown task ${dep}`);
      visit(d, [...path, t.name]);
    }
    done.add(t.name);
    out.push(t);
  };
  for (const t of tasks) visit(t, []);
  return out;
}

/**
 * The signal a task attempt sees: aborted by the run's cancellation or by the task's timeout,
 * with the error the task then ends with. `timedOut` tells the two apart once it has ended.
 */
function attemptSignal(ms: number | undefined, run: AbortSignal | undefined, name: string) {
  const controller = new AbortController();
  let timedOut = false;
  const cancel = () => controller.abort(new RunCancelled(`cancelled (${String(run!.reason)})`));
  if (run?.aborted) cancel();
  else run?.addEventListener("abort", cancel, { once: true });
  const timer = ms
    ? setTimeout(() => {
        timedOut = true;
        controller.abort(new EltError(`task ${name} timed out after ${ms} ms`));
      }, ms)
    : undefined;
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    clear() {
      clearTimeout(timer);
      run?.removeEventListener("abort", cancel);
    },
  };
}

export async function runFlow(flow: Flow, options: RunOptions): Promise<RunRecord> {
  const { store, secrets, observer = {} } = options;
  const clean = (text: string) => redact(text, secrets);
  const now = () => new Date().toISOString();
  const started = Date.now();
  const record: RunRecord = {
    id: newRunId(flow.name),
    flow: flow.name,
    state: "running",
    parameters: flow.parameters,
    as_of: flow.asOf,
    started_at: now(),
    heartbeat_at: now(),
    host: hostname(),
    ...THIS_PROCESS,
    tasks: flow.tasks.map((t) => ({ name: t.name, state: "pending", attempts: 0 })),
    ...(options.trigger ? { trigger: options.trigger } : {}),
  };
  const logs: string[] = [];
  const log = (line: Omit<LogLine, "ts">) => {
    logs.push(clean(JSON.stringify({ ts: now(), ...line })));
  };

  // The record is rewritten whole at every state change: an object PUT is atomic, so a reader
  // always sees a complete record, and a killed run leaves its last "running" one behind.
  let saving: Promise<void> = Promise.resolve();
  const snapshot = (): Snapshot => {
    record.heartbeat_at = now();
    return { id: record.id, record: clean(JSON.stringify(record, null, 2)), logs: logs.length ? logs.join("\n") + "\n" : "" };
  };
  const save = () => {
    const next = snapshot();
    // Losing a record on the way must not fail the data work; the final save reports it.
    saving = saving.then(() => write(store, next).catch(() => {}));
    return saving;
  };

  await writeUnsaved(store);
  log({ level: "info", msg: `run ${record.id} started`, flow: flow.name, parameters: flow.parameters });
  await save();
  const heartbeat = setInterval(save, options.heartbeatMs ?? HEARTBEAT_MS);

  const tasks = order(flow.tasks);
  const recOf = (name: string) => record.tasks.find((t) => t.name === name)!;
  try {
    for (const task of tasks) {
      const rec = recOf(task.name);
      if (options.signal?.aborted) {
        rec.state = "skipped";
        rec.reason = "the run was cancelled";
        observer.taskEnded?.(rec);
        continue;
      }
      const blocked = (task.dependsOn ?? []).find((d) => recOf(d).state === "failed" || recOf(d).reason?.startsWith("upstream"));
      if (blocked) {
        rec.state = "skipped";
        rec.reason = `upstream task ${blocked} did not succeed`;
        observer.taskEnded?.(rec);
        continue;
      }
      rec.state = "running";
      rec.started_at = now();
      const t0 = performance.now();
      observer.taskStarted?.(rec);
      log({ level: "info", task: task.name, msg: "task started" });
      await save();
      try {
        await withRetry(
          async (attempt) => {
            rec.attempts = attempt;
            rec.rows_in = undefined;
            rec.rows_out = undefined;
            const limit = attemptSignal(task.timeoutMs, options.signal, task.name);
            const ctx: TaskContext = {
              runId: record.id,
              attempt,
              signal: limit.signal,
              log: (level, msg, fields) => log({ level, task: task.name, msg, ...fields }),
              report: ({ rows_in, rows_out, metrics }) => {
                if (rows_in !== undefined) rec.rows_in = (rec.rows_in ?? 0) + rows_in;
                if (rows_out !== undefined) rec.rows_out = (rec.rows_out ?? 0) + rows_out;
                if (metrics) rec.metrics = { ...rec.metrics, ...metrics };
              },
              skip: (reason) => {
                throw new SkipTask(reason);
              },
              progress: (step) => observer.taskProgress?.(task.name, step),
            };
            // Not raced against the timeout: the run ends, and its lock goes, only once the
            // task has stopped. An error thrown once aborted is the abort's consequence, so
            // the abort's reason is what the task ends with; a timed-out task fails even
            // when it ends quietly on the abort.
            try {
              await task.run(ctx);
              if (limit.timedOut()) throw limit.signal.reason;
            } catch (err) {
              throw limit.signal.aborted && !(err instanceof SkipTask) ? limit.signal.reason : err;
            } finally {
              limit.clear();
            }
          },
          {
            retries: task.retries ?? 0,
            baseMs: options.retryBaseMs ?? 500,
            maxMs: 8_000,
            retryable: (err) => err instanceof StoreError && err.transient,
            signal: options.signal,
            onRetry: (err, attempt, delayMs) => {
              const msg = clean(errorLine(err));
              log({ level: "warn", task: task.name, msg: `attempt ${attempt} failed, retrying in ${delayMs} ms: ${msg}` });
              observer.retrying?.(task.name, msg, attempt, delayMs);
            },
          },
        );
        rec.state = "succeeded";
        log({ level: "info", task: task.name, msg: "task succeeded", rows_in: rec.rows_in, rows_out: rec.rows_out });
      } catch (err) {
        if (err instanceof SkipTask) {
          rec.state = "skipped";
          rec.reason = err.message;
          log({ level: "info", task: task.name, msg: `task skipped: ${err.message}` });
        } else if (options.signal?.aborted) {
          // Whatever the task was at when the signal came (a batch, a retry's wait), it stopped for it.
          rec.state = "skipped";
          rec.reason = `cancelled (${String(options.signal.reason)})`;
          record.cancelled = { reason: String(options.signal.reason), task: task.name, at: now() };
          log({ level: "warn", task: task.name, msg: `task ${rec.reason}` });
        } else {
          rec.state = "failed";
          rec.error = clean(errorLine(err));
          record.error ??= `${task.name}: ${rec.error}`;
          log({ level: "error", task: task.name, msg: rec.error });
        }
      }
      rec.ended_at = now();
      rec.duration_ms = Math.round(performance.now() - t0);
      observer.taskEnded?.(rec);
      await save();
      // A task's garbage goes before the next task starts: one process running every layer
      // then peaks like its largest layer, not like their sum.
      Bun.gc(true);
    }
  } finally {
    clearInterval(heartbeat);
    if (options.signal?.aborted) record.cancelled ??= { reason: String(options.signal.reason), at: now() };
    record.state = record.cancelled ? "cancelled" : record.tasks.some((t) => t.state === "failed") ? "failed" : "succeeded";
    record.ended_at = now();
    record.duration_ms = Date.now() - started;
    log({ level: record.state === "succeeded" ? "info" : record.state === "cancelled" ? "warn" : "error", msg: `run ${record.state}` });
    await saving;
    const final = snapshot();
    try {
      await withRetry(() => write(store, final), { retries: FINAL_SAVE_RETRIES, baseMs: options.retryBaseMs ?? 500, maxMs: 8_000 });
    } catch (err) {
      const waiting = unsaved.get(store) ?? [];
      waiting.push(final);
      unsaved.set(store, waiting);
      observer.warn?.(`the run record could not be saved: ${clean(errorLine(err))}`);
    }
  }
  return record;
}
