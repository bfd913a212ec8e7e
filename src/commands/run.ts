import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { loadConfig } from "../config/environment.ts";
import { loadProjectConfig } from "../config/project.ts";
import { resolveThresholds } from "../quality/thresholds.ts";
import { UsageError } from "../core/errors.ts";
import { DATASETS } from "../contract/sources.ts";
import { LAYERS, type Layer } from "../flows/layers.ts";
import { generateCommand } from "./generate.ts";
import { defineCommand, flag } from "./command.ts";
import { isoDate, parseOptions, requireSourcesFolder, scheduleFlags, todayUtc } from "./options.ts";
import { exitCodeOf, runOnce } from "./run-once.ts";

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
  ...scheduleFlags,
  watch: flag(z.boolean().optional(), "Run at start, then whenever clients.csv or achats.csv in --sources changes (once written: stable for 1 s)"),
});

export type RunOptions = z.input<typeof schema>;

export const run = defineCommand({
  usage: "run [layer]",
  description: "Run one layer (bronze, silver, gold, export) or the whole pipeline with --all",
  options: schema,
  examples: ["elt run --all", "elt run silver --as-of 2026-06-30 --force", "elt run --all --every 15m", 'elt run --all --cron "0 6 * * MON-FRI" --tz Europe/Paris', "elt run --all --watch"],
  run: runCommand,
});

export async function runCommand(raw: RunOptions): Promise<number> {
  const opts = parseOptions(schema, raw);
  if (!opts.all && !opts.layer) throw new UsageError(`name a layer (${LAYERS.join(", ")}) or use --all`);
  if (opts.all && opts.layer) throw new UsageError("give either a layer or --all, not both");
  const repeat = (["every", "cron", "watch"] as const).filter((name) => opts[name] !== undefined && opts[name] !== false);
  if (repeat.length > 0) {
    const flags = repeat.map((name) => `--${name}`).join(" and ");
    if (repeat.length > 1) throw new UsageError(`${flags}: give one of --every, --cron and --watch`);
    if (!opts.all) throw new UsageError(`${flags}: only with --all (a schedule runs the whole pipeline)`);
    if (opts.serve || opts.dashboard) throw new UsageError(`${flags}: not with --serve or --dashboard (elt serve --every runs a schedule inside the API)`);
    if (opts.wait) throw new UsageError(`${flags}: not with --wait (a tick that finds the lake locked is skipped and recorded)`);
  }
  const { scheduleOf } = await import("../schedule/schedule.ts");
  const schedule = scheduleOf(opts);
  if (repeat.length > 0 && !opts.generate) requireSourcesFolder(`--${repeat[0]}`, opts.sources);
  const layers: readonly Layer[] = opts.all ? LAYERS : [opts.layer!];
  const asOf = opts.asOf ?? todayUtc();
  const config = loadConfig();
  // Read before anything runs: a bad threshold is a configuration error, not a failed run.
  const thresholds = resolveThresholds(loadProjectConfig().quality, opts.check);

  if (opts.serve && !opts.dashboard) {
    // The API starts once the pipeline has run: a port it cannot have is told before, not after.
    const { AFTER_RUN_HOST, CHOOSE_API_URL_PORT, portOf } = await import("./after-run.ts");
    const { assertCanListen } = await import("../api/listen.ts");
    assertCanListen(AFTER_RUN_HOST, portOf(config.apiUrl), CHOOSE_API_URL_PORT);
  }
  if (layers.includes("export")) {
    const { assertServingReachable } = await import("../flows/serving.ts");
    await assertServingReachable(config);
  }
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
  // leaving what the next run recovers from as after a kill. On a schedule it also stops the
  // schedule.
  const cancel = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (cancel.signal.aborted) process.exit(exitCodeOf(signal));
    cancel.abort(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const one = {
    layers,
    sources: opts.sources,
    force: opts.force,
    taskTimeoutMs: opts.taskTimeout * 60_000,
    quality: { thresholds, enforce: opts.gate },
    config,
    wait: opts.wait,
  };
  try {
    if (repeat.length > 0) {
      const { runRepeatedly } = await import("./scheduled-run.ts");
      const files = Object.values(DATASETS).map((d) => join(opts.sources, d.file));
      // --as-of, when given, holds for every run; otherwise each run takes its own day.
      await runRepeatedly({
        when: schedule ?? { watch: files },
        one: { ...one, asOf: opts.asOf },
        json: opts.json,
        holder: `elt run --all ${schedule ? `on schedule ${schedule.expression}` : "--watch"}`,
        signal: cancel.signal,
      });
      return exitCodeOf(cancel.signal.reason);
    }
    const { code } = await runOnce({
      ...one,
      asOf,
      holder: `elt run ${opts.all ? "--all" : opts.layer}`,
      output: opts.json ? "json" : "summary",
      signal: cancel.signal,
    });
    if (code !== 0) return code;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (!opts.all && !opts.serve && !opts.dashboard) return 0;
  const { afterRun } = await import("./after-run.ts");
  const interactive = opts.all && !opts.json && process.stdin.isTTY === true && process.stdout.isTTY === true;
  return afterRun({ serve: opts.serve, dashboard: opts.dashboard, interactive });
}
