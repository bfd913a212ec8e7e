import { secretsOf, type Config } from "../config.ts";
import type { SilverSummary } from "../contract/silver-tables.ts";
import { finishPublish } from "../pipeline/gold/versions.ts";
import { readState, type LayerState } from "../pipeline/layer-state.ts";
import { silverSummary } from "../pipeline/silver/index.ts";
import { clearStaging } from "../pipeline/staging.ts";
import { runFlow, type FlowObserver } from "../runner/flow.ts";
import { acquireLock, type LockOptions } from "../runner/lock.ts";
import type { RunRecord } from "../runner/record.ts";
import { openObjectStore } from "../storage/open.ts";
import type { Layer } from "./layers.ts";
import { pipelineFlow, type Quality } from "./pipeline.ts";

export interface PipelineRun {
  layers: readonly Layer[];
  sources: string;
  asOf: string;
  force: boolean;
  taskTimeoutMs: number;
  quality: Quality;
  config: Config;
  /** Who holds the lake's lock while the run lasts, as `elt runs` and a waiting run show it. */
  holder: string;
  lock: LockOptions;
  observer: FlowObserver;
  /** Also read what silver and gold now publish, for a summary. */
  withSummary: boolean;
}

export interface PipelineOutcome {
  record: RunRecord;
  objectStore: string;
  summary?: { silver: SilverSummary | null; gold: LayerState | null };
}

/** One `elt run`: the lake's lock, a clean staging area, then the layers as one flow of the runner. */
export async function runPipeline(o: PipelineRun): Promise<PipelineOutcome> {
  const { config } = o;
  const store = await openObjectStore(config);
  try {
    await store.ensureBuckets();
    const lock = await acquireLock(store, o.holder, o.lock);
    await finishPublish(store).catch(async (err) => { await lock.release(); throw err; }); // a killed run's half-done publish first
    await clearStaging(config.home);
    const flow = pipelineFlow({
      layers: o.layers,
      sources: o.sources,
      asOf: o.asOf,
      force: o.force,
      config,
      store,
      taskTimeoutMs: o.taskTimeoutMs,
      quality: o.quality,
    });
    const record = await runFlow(flow, { store, secrets: secretsOf(config), observer: o.observer }).finally(() => lock.release());
    const summary = o.withSummary ? { silver: await silverSummary(store), gold: await readState(store, "gold") } : undefined;
    return { record, objectStore: store.location, summary };
  } finally {
    await store.close?.();
  }
}
