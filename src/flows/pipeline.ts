import type { Config } from "../config/environment.ts";
import { DATASET_NAMES } from "../contract/sources.ts";
import { EltError } from "../core/errors.ts";
import { ingest } from "../pipeline/bronze.ts";
import { alreadyExported, exportGold, markExported } from "../pipeline/export.ts";
import { runGold } from "../pipeline/gold/index.ts";
import { readState } from "../pipeline/layer-state.ts";
import { runSilver, silverSummary } from "../pipeline/silver/index.ts";
import type { Flow, Task, TaskContext } from "../runner/flow.ts";
import type { Gate } from "../quality/gate.ts";
import { DEFAULT_THRESHOLDS, type Thresholds } from "../quality/thresholds.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { LAYERS, type Layer } from "./layers.ts";
import { withServingStore } from "./serving.ts";

/**
 * The pipeline as a flow of the task runner: each layer's work as tasks, with the stores the
 * configuration names.
 */

export interface FlowOptions {
  layers: readonly Layer[];
  sources: string;
  asOf: string;
  force: boolean;
  config: Config;
  store: ObjectStore;
  /** A task still running after this long fails (default two hours). */
  taskTimeoutMs?: number;
  /** Default: the built-in thresholds, enforced. */
  quality?: Quality;
}

/** How the run audits what it is about to publish. */
export interface Quality {
  thresholds: Thresholds;
  /** false with --no-gate: failed checks are recorded, and the outputs published all the same. */
  enforce: boolean;
}

/** The gate of one task: its results go to the task's metrics, so the run record holds them. */
function gateOf(quality: Quality, ctx: TaskContext): Gate {
  return {
    ...quality,
    record: (checks, auditMs) => {
      const audit_ms = Math.round(auditMs * 100) / 100;
      // Forced only when --no-gate let through a check that would have blocked the publish.
      const forced = !quality.enforce && checks.some((c) => c.outcome === "failed");
      ctx.report({ metrics: forced ? { checks, audit_ms, gate: "forced" } : { checks, audit_ms } });
    },
  };
}

/** Transient store failures are retried this many times with backoff. */
const RETRIES = 3;

function tasksOf(layer: Layer, o: FlowOptions & { quality: Quality }): Task[] {
  const { store, config } = o;
  switch (layer) {
    case "bronze":
      return DATASET_NAMES.map((dataset) => ({
        name: `bronze.${dataset}`,
        retries: RETRIES,
        async run(ctx) {
          const entry = await ingest(store, dataset, o.sources, ctx.runId, config.home, ctx.signal);
          ctx.report({
            rows_in: entry.rows,
            rows_out: entry.rows,
            metrics: { key: `bronze/${entry.key}`, sha256: entry.sha256, bytes: entry.size, already_present: entry.already_present },
          });
          if (entry.already_present) ctx.log("info", `identical bytes already in bronze as ${entry.key}; ingest recorded`);
        },
      }));
    case "silver":
      return [
        {
          name: "silver",
          dependsOn: DATASET_NAMES.map((d) => `bronze.${d}`),
          retries: RETRIES,
          async run(ctx) {
            const outcome = await runSilver(store, {
              asOf: o.asOf,
              home: config.home,
              runId: ctx.runId,
              force: o.force,
              gate: gateOf(o.quality, ctx),
              signal: ctx.signal,
              progress: ctx.progress,
            });
            if ("skipped" in outcome) return ctx.skip(outcome.skipped);
            const { clients, achats } = outcome.summary;
            ctx.report({
              rows_in: clients.rows_in + achats.rows_in,
              rows_out: clients.kept + achats.kept,
              metrics: { ...outcome.summary },
            });
          },
        },
      ];
    case "gold":
      return [
        {
          name: "gold",
          dependsOn: ["silver"],
          retries: RETRIES,
          async run(ctx) {
            const silver = await silverSummary(store);
            const outcome = await runGold(store, {
              home: config.home,
              runId: ctx.runId,
              force: o.force,
              asOf: o.asOf,
              gate: gateOf(o.quality, ctx),
              progress: ctx.progress,
              signal: ctx.signal,
            });
            if ("skipped" in outcome) return ctx.skip(outcome.skipped);
            const rows = Object.values(outcome.summary.rows).reduce((a, b) => a + b, 0);
            ctx.report({
              rows_in: silver?.achats.kept ?? 0,
              rows_out: rows,
              metrics: { tables: outcome.summary.rows, kpis: outcome.summary.kpis },
            });
          },
        },
      ];
    case "export":
      return [
        {
          name: "export",
          dependsOn: ["gold"],
          retries: RETRIES,
          async run(ctx) {
            const gold = await readState(store, "gold");
            if (!gold) throw new EltError("no gold tables yet: run `elt run gold` first");
            await withServingStore(config, async (serving) => {
              if (!o.force && (await alreadyExported(store, serving, gold.run_id))) {
                return ctx.skip(`serving store already holds the gold of run ${gold.run_id} (use --force to reload)`);
              }
              const metas = await exportGold(store, serving, ctx.runId, {
                onTable: (m) => ctx.progress({ what: m.collection, rows: m.record_count }),
                onWarning: (message) => ctx.log("warn", message),
                signal: ctx.signal,
              });
              await markExported(store, serving, gold.run_id, ctx.runId);
              const rows = metas.reduce((a, m) => a + m.record_count, 0);
              ctx.report({
                rows_in: rows,
                rows_out: rows,
                metrics: { store: serving.location, collections: Object.fromEntries(metas.map((m) => [m.collection, m.record_count])) },
              });
            });
          },
        },
      ];
  }
}

const BUILT_IN: Quality = { thresholds: DEFAULT_THRESHOLDS, enforce: true };

export function pipelineFlow(options: FlowOptions): Flow {
  const o = { ...options, quality: options.quality ?? BUILT_IN };
  const tasks = o.layers.flatMap((layer) => tasksOf(layer, o));
  const present = new Set(tasks.map((t) => t.name));
  for (const t of tasks) {
    t.dependsOn = t.dependsOn?.filter((d) => present.has(d));
    t.timeoutMs = o.taskTimeoutMs ?? 2 * 3_600_000;
  }
  const name = o.layers.length === LAYERS.length ? "all" : o.layers.join("+");
  return {
    name,
    tasks,
    asOf: o.asOf,
    parameters: { layers: o.layers, sources: o.sources, as_of: o.asOf, force: o.force, gate: o.quality.enforce ? "on" : "off (--no-gate)" },
  };
}
