import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { loadConfig, secretsOf } from "../config.ts";
import { UsageError } from "../errors.ts";
import { DATASETS } from "../contract/sources.ts";
import { pipelineFlow, LAYERS, type Layer } from "../pipeline/flows.ts";
import { readState } from "../pipeline/layer-state.ts";
import { silverSummary } from "../pipeline/silver/index.ts";
import { runFlow } from "../runner/flow.ts";
import { acquireLock } from "../runner/lock.ts";
import { openObjectStore } from "../storage/open.ts";
import { terminalObserver } from "../ui/progress.ts";
import { renderSummary } from "../ui/summary.ts";
import { generateCommand } from "./generate.ts";
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

  const store = await openObjectStore(config);
  try {
    await store.ensureBuckets();
    const lock = await acquireLock(store, `elt run ${opts.all ? "--all" : opts.layer}`, {
      wait: opts.wait,
      onWait: (holder) => process.stderr.write(`waiting for the lake's lock, held by ${holder}...\n`),
      onLost: (holder) => process.stderr.write(`warning: the lake's lock was taken over by ${holder}\n`),
    });
    // Holding the lock, no other run uses the staging area: what is there was left by a killed run.
    await rm(join(config.home, "tmp"), { recursive: true, force: true });
    const flow = pipelineFlow({
      layers,
      sources: opts.sources,
      asOf,
      force: opts.force,
      config,
      store,
      taskTimeoutMs: opts.taskTimeout * 60_000,
    });
    const record = await runFlow(flow, {
      store,
      secrets: secretsOf(config),
      observer: opts.json ? {} : terminalObserver(),
    }).finally(() => lock.release());
    if (opts.json) {
      process.stdout.write(JSON.stringify(record, null, 2) + "\n");
    } else {
      const silver = await silverSummary(store);
      const gold = await readState(store, "gold");
      const exported = record.tasks.find((t) => t.name === "export")?.metrics?.store;
      process.stdout.write(
        "\n" +
          renderSummary({
            record,
            silver: layers.some((l) => l !== "bronze") ? silver : null,
            kpis: layers.some((l) => l === "gold" || l === "export") ? (gold?.summary.kpis as Record<string, unknown>) : null,
            objectStore: store.location,
            servingStore: typeof exported === "string" ? exported : undefined,
          }),
      );
    }
    if (record.state !== "succeeded") return 1;
  } finally {
    await store.close?.();
  }
  if (!opts.all && !opts.serve && !opts.dashboard) return 0;
  const { afterRun } = await import("./after-run.ts");
  const interactive = opts.all && !opts.json && process.stdin.isTTY === true && process.stdout.isTTY === true;
  return afterRun({ serve: opts.serve, dashboard: opts.dashboard, interactive });
}
