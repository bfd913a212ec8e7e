import { StoreError } from "../../../core/errors.ts";
import { WorkerTask } from "../../../workers/worker-task.ts";
import type { FreeRun } from "./page-file.ts";
import type { IndexKeys } from "./index-keys.ts";
import type { IndexAnswer, IndexMessage, IndexSetup } from "./index-worker.ts";
import type { NarrowIntegers } from "./narrow-integers.ts";

/** What the indexes of a table came to: each one's root page, and the pages their writers left free. */
export interface BuiltIndexes {
  roots: number[];
  unused: FreeRun[];
}

/**
 * A table's index workers (index-worker.ts), one per index: started with the table, so that
 * each has loaded (and compiled) its code by the time the table's last row is in, then given
 * the index's keys and the rowids at once, while the table's leaves may still be written
 * elsewhere.
 */
export class IndexWorkers {
  readonly workers: WorkerTask<IndexAnswer>[];

  constructor(count: number, setup: IndexSetup) {
    this.workers = Array.from({ length: count }, () => {
      const worker = new WorkerTask<IndexAnswer>("serving/sqlite/file/index-worker.ts", "the serving store's index worker");
      worker.post({ setup } satisfies IndexMessage);
      return worker;
    });
  }

  /** Hands each index its keys (moved to its worker) and the rowids (shared); answers once every index is written. */
  async build(keys: readonly IndexKeys[], rowids: NarrowIntegers): Promise<BuiltIndexes> {
    const shared = rowids.parts();
    this.workers.forEach((worker, i) => {
      const values = keys[i]!.handOff();
      const moved = values.flatMap((k) => (k.text ? k.ids.chunks : "raw" in k ? k.raw.chunks : k.shifted.chunks));
      worker.post({ build: { rowids: shared, keys: values } } satisfies IndexMessage, moved.map((chunk) => chunk.buffer as ArrayBuffer));
    });
    const answers = await Promise.all(this.workers.map((worker) => worker.answer));
    for (const worker of this.workers) void worker.stop();
    const done = answers.map((answer) => {
      if ("error" in answer) throw new StoreError("failed", `the serving store's index worker failed: ${answer.error}`);
      return answer;
    });
    return { roots: done.map((answer) => answer.root), unused: done.flatMap((answer) => answer.unused) };
  }
}
