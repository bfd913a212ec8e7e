import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { loadConfig } from "../config/environment.ts";
import type { RunRecord } from "../runner/record.ts";
import { loadProjectConfig } from "../config/project.ts";
import { resolveThresholds } from "../quality/thresholds.ts";
import { UsageError } from "../core/errors.ts";
import { DATASETS } from "../contract/sources.ts";
import { LAYERS, type Layer } from "../flows/layers.ts";
import { terminalObserver } from "../ui/progress.ts";
import { cancelledLine, renderSummary } from "../ui/summary.ts";
import { generateCommand } from "./generate.ts";
import { defineCommand, flag } from "./command.ts";
import { lockNotices } from "./lock-notices.ts";
import { isoDate, parseOptions, todayUtc } from "./options.ts";

const schema = z.object({
  layer: z.enum(LAYERS).optional(),
  all: flag(z.boolean().default(false), "Run bronze, silver, gold and export"),
  sources: flag(z.string().default("data/sources"), "Folder holding clients.csv and achats.csv", "<dir>"),
  asOf: flag(isoDate.optional(), "Reference date YYYY-MM-DD for future/too-old rules (default: today UTC)", "<date>"),
  force: flag(z.boolean().default(false), "Rebuild layers even when their inputs are unchanged"),
  generate: flag(z.boolean().default(false), "Generate sources first when the folder has none"),
  wait: flag(z.boolean().default(false), "Wait for another run on the same lake to finish instead of refusing"),
  taskTimeout: flag(
    z.coerce.number({ error: "expected minutes, a positive number" }).positive("expected minutes, a positive number").default(120),
    "Fail a task that runs longer than this",
    "<minutes>",
  ),
  check: flag(
    z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional(),
    "Change a quality check for this run, e.g. reject_rate.error=60 or freshness.enabled=false (repeatable)",
    "<name.level=value>",
  ),
  gate: flag(z.boolean().default(true), "Publish even when an error check fails (the record says it was forced)"),
  json: flag(z.boolean().default(false), "Print the run record as JSON instead of the summary"),
  serve: flag(z.boolean().default(false), "Afterwards: measure the refresh time and keep the API serving"),
  dashboard: flag(z.boolean().default(false), "Afterwards: measure the refresh time and open the dashboard on the API"),
});

export type RunOptions = z.input<typeof schema>;

export const run = defineCommand({
  usage: "run [layer]",
  description: "Run one layer (bronze, silver, gold, export) or the whole pipeline with --all",
  options: schema,
  examples: ["elt run --all", "elt run silver --as-of 2026-06-30 --force"],
  run: runCommand,
});

/** The shell's convention: 128 plus the signal's number. */
const EXIT_ON = { SIGINT: 130, SIGTERM: 143 } as const;

const produced = (record: RunRecord, task: string) => record.tasks.some((t) => t.name === task && t.state === "succeeded");

export async function runCommand(raw: RunOptions): Promise<number> {
  const opts = parseOptions(schema, raw);
  if (!opts.all && !opts.layer) throw new UsageError(`name a layer (${LAYERS.join(", ")}) or use --all`);
  if (opts.all && opts.layer) throw new UsageError("give either a layer or --all, not both");
  const layers: readonly Layer[] = opts.all ? LAYERS : [opts.layer!];
  const asOf = opts.asOf ?? todayUtc();
  const config = loadConfig();
  // Read before anything runs: a bad threshold is a configuration error, not a failed run.
  const thresholds = resolveThresholds(loadProjectConfig().quality, opts.check);

  const missing = Object.values(DATASETS).filter((d) => !existsSync(join(opts.sources, d.file)));
  if (opts.generate && missing.length === 1) {
    // Generating both would overwrite the one that is there: a user's real data.
    throw new UsageError(`--generate: ${join(opts.sources, missing[0]!.file)} is missing but its companion is there; add it or remove both`);
  }
  if (opts.generate && missing.length === 2 && layers.includes("bronze")) {
    const code = await generateCommand({ out: opts.sources, asOf, quiet: opts.json });
    if (code !== 0) return code;
  }

  // Ctrl-C or SIGTERM cancels the run: each task stops at its next batch and the run ends
  // cleanly (staging removed, lock released, record "cancelled"); a second one exits at once,
  // leaving what the next run recovers from as after a kill.
  const cancel = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (cancel.signal.aborted) process.exit(EXIT_ON[signal as keyof typeof EXIT_ON]);
    cancel.abort(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const cancelledCode = () => EXIT_ON[cancel.signal.reason as keyof typeof EXIT_ON];
  try {
    // Loaded when a run starts, not with the declaration: the layers are most of the program.
    const { runPipeline } = await import("../flows/run.ts");
    const observer = opts.json ? {} : terminalObserver();
    const outcome = await runPipeline({
      layers,
      sources: opts.sources,
      asOf,
      force: opts.force,
      taskTimeoutMs: opts.taskTimeout * 60_000,
      quality: { thresholds, enforce: opts.gate },
      config,
      holder: `elt run ${opts.all ? "--all" : opts.layer}`,
      lock: {
        ...lockNotices(opts.wait),
        onLost: (holder) => process.stderr.write(`warning: the lake's lock was taken over by ${holder}\n`),
      },
      observer,
      withSummary: !opts.json,
      signal: cancel.signal,
    }).catch((err) => {
      // Cancelled before the run started (waiting for the lock): nothing ran, nothing changed.
      if (!cancel.signal.aborted) throw err;
      return null;
    });
    if (!outcome) {
      process.stderr.write(`elt run: cancelled (${String(cancel.signal.reason)}) before it started; nothing changed\n`);
      return cancelledCode();
    }
    const { record, summary } = outcome;
    // After the run has ended and its record is written: an alert is bounded in time and never changes the outcome.
    const alert = async () => {
      const { alertAfterRun } = await import("../flows/alert.ts");
      const alerted = await alertAfterRun(record, config, outcome.gold ? `gold of run ${outcome.gold.run_id}` : "no gold published yet");
      if (alerted && !alerted.delivered) process.stderr.write(`warning: the alert was not delivered (${alerted.error}); the run's outcome stands\n`);
    };
    if (opts.json) process.stdout.write(JSON.stringify(record, null, 2) + "\n");
    if (record.state === "cancelled") {
      process.stderr.write(cancelledLine(record, outcome.gold?.run_id ?? null));
      await alert();
      return cancelledCode();
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
    if (record.state !== "succeeded") return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (!opts.all && !opts.serve && !opts.dashboard) return 0;
  const { afterRun } = await import("./after-run.ts");
  const interactive = opts.all && !opts.json && process.stdin.isTTY === true && process.stdout.isTTY === true;
  return afterRun({ serve: opts.serve, dashboard: opts.dashboard, interactive });
}
