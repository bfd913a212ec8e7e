import { secretsOf, type Config } from "../config/environment.ts";
import type { SilverSummary } from "../contract/silver-tables.ts";
import { finishPublish } from "../pipeline/gold/versions.ts";
import { readState, type LayerState } from "../pipeline/layer-state.ts";
import { silverSummary } from "../pipeline/silver/index.ts";
import { clearStaging } from "../pipeline/staging.ts";
import { runFlow, type FlowObserver } from "../runner/flow.ts";
import { acquireLock, type LockOptions } from "../runner/lock.ts";
import { runOutputs, type RunOutputs } from "../runner/outputs.ts";
import type { RunRecord } from "../runner/record.ts";
import { openObjectStore } from "../storage/open.ts";
import type { Layer } from "./layers.ts";
import { pipelineFlow, type Quality } from "./pipeline.ts";
import { pruneRunHistory } from "./run-retention.ts";

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
  /** Aborted to cancel the run (see RunOptions.signal in runner/flow.ts). */
  signal?: AbortSignal;
  /** What started the run, when not a person (see RunRecord.trigger). */
  trigger?: string;
  /** Told what went wrong after the run without changing its outcome (old records not pruned), whatever the output. */
  onWarning: (message: string) => void;
}

export interface PipelineOutcome {
  record: RunRecord;
  objectStore: string;
  /** The files this run wrote, by layer. */
  outputs: RunOutputs[];
  /** What gold publishes now, whatever the run did: a run that did not publish says what stays. */
  gold: LayerState | null;
  summary?: { silver: SilverSummary | null };
}

/** One `elt run`: the lake's lock, a clean staging area, then the layers as one flow of the runner. */
export async function runPipeline(o: PipelineRun): Promise<PipelineOutcome> {
  const { config } = o;
  const store = await openObjectStore(config);
  try {
    await store.ensureBuckets();
    const lock = await acquireLock(store, o.holder, { ...o.lock, signal: o.signal });
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
    const record = await runFlow(flow, { store, secrets: secretsOf(config), observer: o.observer, signal: o.signal, trigger: o.trigger })
      .then(async (ended) => {
        if (ended.state === "succeeded") await pruneRunHistory(store, config, o.onWarning);
        return ended;
      })
      .finally(async () => {
        // Still holding the lock: whatever a stopped task left staged goes before the next run can start.
        try {
          await clearStaging(config.home);
        } finally {
          await lock.release();
        }
      });
    const summary = o.withSummary ? { silver: await silverSummary(store) } : undefined;
    const gold = await readState(store, "gold");
    return { record, objectStore: store.location, outputs: runOutputs(record, store.handle), gold, summary };
  } finally {
    await store.close?.();
  }
}
