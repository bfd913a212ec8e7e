import { availableParallelism } from "node:os";
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
 * Index workers per table: one per index, at most one per core beside this thread's (a big
 * table takes more: BIG_TABLE in database-file.ts). Each worker compiles the index code for
 * itself, so on two cores one worker writing both of fact_achats' indexes took 0.92x the CPU
 * and 0.96x the time of two at 1M purchases (paired runs); with more cores the indexes are
 * written side by side.
 */
export const INDEX_WORKERS = Math.max(1, availableParallelism() - 1);

/**
 * A table's index workers (index-worker.ts), index i written by worker i mod their count:
 * started with the table, so that each has loaded (and compiled) its code by the time the
 * table's last row is in, then given its indexes' keys and the rowids at once, while the
 * table's leaves may still be written elsewhere.
 */
export class IndexWorkers {
  readonly workers: WorkerTask<IndexAnswer>[] = [];

  /** `count` indexes, written by at most `workers` workers. */
  constructor(
    private readonly count: number,
    private readonly setup: IndexSetup,
    workers: number,
  ) {
    this.grow(workers);
  }

  /** At most `workers` workers from now on (never more than the indexes); the new ones start at once. */
  grow(workers: number): void {
    while (this.workers.length < Math.min(this.count, workers)) {
      const worker = new WorkerTask<IndexAnswer>("serving/sqlite/file/index-worker.ts", "the serving store's index worker");
      worker.post({ setup: this.setup } satisfies IndexMessage);
      this.workers.push(worker);
    }
  }

  /** Hands each index its keys (moved to its worker) and the rowids (shared); answers once every index is written. */
  async build(keys: readonly IndexKeys[], rowids: NarrowIntegers): Promise<BuiltIndexes> {
    const shared = rowids.parts();
    const w = this.workers.length;
    // Index i goes to worker i mod w.
    this.workers.forEach((worker, at) => {
      const indexes = keys.filter((_, i) => i % w === at).map((k) => k.handOff());
      const moved = indexes.flat().flatMap((k) => (k.text ? k.ids.chunks : "raw" in k ? k.raw.chunks : k.shifted.chunks));
      worker.post({ build: { rowids: shared, indexes } } satisfies IndexMessage, moved.map((chunk) => chunk.buffer as ArrayBuffer));
    });
    const answers = await Promise.all(this.workers.map((worker) => worker.answer));
    for (const worker of this.workers) void worker.stop();
    const done = answers.map((answer) => {
      if ("error" in answer) throw new StoreError("failed", `the serving store's index worker failed: ${answer.error}`);
      return answer;
    });
    const roots = Array.from({ length: this.count }, (_, i) => done[i % w]!.roots[Math.floor(i / w)]!);
    return { roots, unused: done.flatMap((answer) => answer.unused) };
  }
}
