import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { loadConfig } from "../config.ts";
import { UsageError } from "../errors.ts";
import { DATASETS } from "../contract/sources.ts";
import { LAYERS, type Layer } from "../flows/layers.ts";
import { runPipeline } from "../flows/run.ts";
import { terminalObserver } from "../ui/progress.ts";
import { renderSummary } from "../ui/summary.ts";
import { generateCommand } from "./generate.ts";
import { lockNotices } from "./lock-notices.ts";
import { isoDate, parseOptions, todayUtc } from "./options.ts";

const schema = z.object({
  layer: z.enum(LAYERS).optional(),
  all: z.boolean().default(false),
  sources: z.string().default("data/sources"),
  asOf: isoDate.optional(),
  force: z.boolean().default(false),
  json: z.boolean().default(false),
  generate: z.boolean().default(false),
  wait: z.boolean().default(false),
  taskTimeout: z.coerce.number({ error: "expected minutes, a positive number" }).positive("expected minutes, a positive number").default(120),
  serve: z.boolean().default(false),
  dashboard: z.boolean().default(false),
});

export type RunOptions = z.input<typeof schema>;

export async function runCommand(raw: RunOptions): Promise<number> {
  const opts = parseOptions(schema, raw);
  if (!opts.all && !opts.layer) throw new UsageError(`name a layer (${LAYERS.join(", ")}) or use --all`);
  if (opts.all && opts.layer) throw new UsageError("give either a layer or --all, not both");
  const layers: readonly Layer[] = opts.all ? LAYERS : [opts.layer!];
  const asOf = opts.asOf ?? todayUtc();
  const config = loadConfig();

  const missing = Object.values(DATASETS).filter((d) => !existsSync(join(opts.sources, d.file)));
  if (opts.generate && missing.length === 1) {
    // Generating both would overwrite the one that is there: a user's real data.
    throw new UsageError(`--generate: ${join(opts.sources, missing[0]!.file)} is missing but its companion is there; add it or remove both`);
  }
  if (opts.generate && missing.length === 2 && layers.includes("bronze")) {
    const code = await generateCommand({ out: opts.sources, asOf, seed: 42, json: false, quiet: opts.json });
    if (code !== 0) return code;
  }

  const { record, objectStore, summary } = await runPipeline({
    layers,
    sources: opts.sources,
    asOf,
    force: opts.force,
    taskTimeoutMs: opts.taskTimeout * 60_000,
    config,
    holder: `elt run ${opts.all ? "--all" : opts.layer}`,
    lock: {
      ...lockNotices(opts.wait),
      onLost: (holder) => process.stderr.write(`warning: the lake's lock was taken over by ${holder}\n`),
    },
    observer: opts.json ? {} : terminalObserver(),
    withSummary: !opts.json,
  });
  if (summary) {
    const exported = record.tasks.find((t) => t.name === "export")?.metrics?.store;
    process.stdout.write(
      "\n" +
        renderSummary({
          record,
          silver: layers.some((l) => l !== "bronze") ? summary.silver : null,
          kpis: layers.some((l) => l === "gold" || l === "export") ? (summary.gold?.summary.kpis as Record<string, unknown>) : null,
          objectStore,
          servingStore: typeof exported === "string" ? exported : undefined,
        }),
    );
  } else {
    process.stdout.write(JSON.stringify(record, null, 2) + "\n");
  }
  if (record.state !== "succeeded") return 1;
  if (!opts.all && !opts.serve && !opts.dashboard) return 0;
  const { afterRun } = await import("./after-run.ts");
  const interactive = opts.all && !opts.json && process.stdin.isTTY === true && process.stdout.isTTY === true;
  return afterRun({ serve: opts.serve, dashboard: opts.dashboard, interactive });
}
