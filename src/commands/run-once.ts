import type { Config } from "../config/environment.ts";
import type { Layer } from "../flows/layers.ts";
import type { Quality } from "../flows/pipeline.ts";
import type { RunRecord } from "../runner/record.ts";
import { terminalObserver } from "../ui/progress.ts";
import { cancelledLine, renderSummary } from "../ui/summary.ts";
import { lockNotices } from "./lock-notices.ts";
import { todayUtc } from "./options.ts";

/** The shell's convention: 128 plus the signal's number. */
const EXIT_ON = { SIGINT: 130, SIGTERM: 143 } as const;

/** The exit code of a command the signal named stopped ("SIGINT", or an abort's reason). */
export const exitCodeOf = (signal: unknown) => EXIT_ON[signal as keyof typeof EXIT_ON];

export interface OneRun {
  layers: readonly Layer[];
  sources: string;
  /** Undefined: today UTC, read when the run starts (a schedule runs for days). */
  asOf?: string;
  force: boolean;
  taskTimeoutMs: number;
  quality: Quality;
  config: Config;
  holder: string;
  wait: boolean;
  /** The pretty summary with live progress; the record as JSON, whole or on one line; or nothing (`elt serve` says one line itself). */
  output: "summary" | "json" | "json-line" | "quiet";
  /** Aborted by Ctrl-C or SIGTERM: the run is cancelled. */
  signal: AbortSignal;
  trigger?: string;
}

export interface OneRunOutcome {
  code: number;
  /** Null when cancelled before it started (waiting for the lock): nothing ran. */
  record: RunRecord | null;
}

const produced = (record: RunRecord, task: string) => record.tasks.some((t) => t.name === task && t.state === "succeeded");

/** One run of the pipeline as `elt run` does it: the run, what it says on the terminal, then its alert. */
export async function runOnce(o: OneRun): Promise<OneRunOutcome> {
  const { config, signal } = o;
  // Loaded when a run starts, not with the declaration: the layers are most of the program.
  const { runPipeline } = await import("../flows/run.ts");
  const outcome = await runPipeline({
    layers: o.layers,
    sources: o.sources,
    asOf: o.asOf ?? todayUtc(),
    force: o.force,
    taskTimeoutMs: o.taskTimeoutMs,
    quality: o.quality,
    config,
    holder: o.holder,
    lock: {
      ...lockNotices(o.wait),
      onLost: (holder) => process.stderr.write(`warning: the lake's lock was taken over by ${holder}\n`),
    },
    observer: o.output === "summary" ? terminalObserver() : {},
    // On stderr in every output: `elt serve` and --json runs are the unattended ones.
    onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
    withSummary: o.output === "summary",
    signal,
    trigger: o.trigger,
  }).catch((err) => {
    // Cancelled before the run started (waiting for the lock): nothing ran, nothing changed.
    if (!signal.aborted) throw err;
    return null;
  });
  if (!outcome) {
    process.stderr.write(`elt run: cancelled (${String(signal.reason)}) before it started; nothing changed\n`);
    return { code: exitCodeOf(signal.reason), record: null };
  }
  const { record, summary } = outcome;
  // After the run has ended and its record is written: an alert is bounded in time and never changes the outcome.
  const alert = async () => {
    const { alertAfterRun } = await import("../flows/alert.ts");
    const alerted = await alertAfterRun(record, config, outcome.gold ? `gold of run ${outcome.gold.run_id}` : "no gold published yet");
    if (alerted && !alerted.delivered) process.stderr.write(`warning: the alert was not delivered (${alerted.error}); the run's outcome stands\n`);
  };
  if (o.output === "json") process.stdout.write(JSON.stringify(record, null, 2) + "\n");
  if (o.output === "json-line") process.stdout.write(JSON.stringify(record) + "\n");
  if (record.state === "cancelled") {
    process.stderr.write(cancelledLine(record, outcome.gold?.run_id ?? null));
    await alert();
    return { code: exitCodeOf(signal.reason), record };
  }
  if (summary) {
    const exported = record.tasks.find((t) => t.name === "export")?.metrics?.store;
    process.stdout.write(
      "\n" +
        renderSummary({
          record,
          // Only what this run produced: a failed or skipped layer's figures are an earlier run's.
          silver: produced(record, "silver") ? summary.silver : null,
          kpis: produced(record, "gold") ? (outcome.gold?.summary.kpis as Record<string, unknown>) : null,
          objectStore: outcome.objectStore,
          outputs: outcome.outputs,
          servingStore: produced(record, "export") && typeof exported === "string" ? exported : undefined,
          publishedGold: outcome.gold?.run_id ?? null,
        }),
    );
  }
  await alert();
  return { code: record.state === "succeeded" ? 0 : 1, record };
}
