import type { Column } from "../../../columnar/columns.ts";
import { StoreError } from "../../../core/errors.ts";
import { WorkerTask } from "../../../workers/worker-task.ts";
import { toWire } from "./batch-wire.ts";
import type { TableAnswer, TableJob, TableMessage } from "./table-worker.ts";

/** Batches sent and not yet taken by the worker: a reader faster than the worker waits past this. */
const IN_FLIGHT = 2;

export type LoadedInWorker = Extract<TableAnswer, { root: number }>;

/**
 * A table written by a table worker (table-worker.ts): each batch is copied to it and the
 * caller goes on reading the next one while the worker writes this one. At most IN_FLIGHT
 * batches wait for the worker, so memory stays a few batches whatever the table's size.
 */
export class TableInWorker {
  count = 0;
  readonly worker: WorkerTask<TableAnswer>;
  /** The worker's answer once the table is written; rejects with the worker's error. */
  readonly loaded: Promise<LoadedInWorker>;
  private waiting = 0;
  private taken: (() => void) | undefined;

  constructor(job: TableJob) {
    this.worker = new WorkerTask<TableAnswer>("serving/sqlite/file/table-worker.ts", "the serving store's table worker", () => {
      this.waiting--;
      this.taken?.();
    });
    this.post({ job });
    this.loaded = this.worker.answer.then((answer) => {
      void this.worker.stop();
      if ("error" in answer) throw new StoreError("failed", answer.error);
      return answer;
    });
    this.loaded.catch(() => {});
  }

  /** Resolves once the worker is at most IN_FLIGHT batches behind; rejects when it failed. */
  async push(rowCount: number, values: readonly (Column | undefined)[]): Promise<void> {
    const { batch, transfer } = toWire(rowCount, values);
    this.post({ batch }, transfer);
    this.count += rowCount;
    this.waiting++;
    while (this.waiting >= IN_FLIGHT) {
      await Promise.race([new Promise<void>((resolve) => (this.taken = resolve)), this.loaded]);
    }
  }

  finish(): void {
    this.post({ finish: true });
  }

  private post(message: TableMessage, transfer: ArrayBuffer[] = []): void {
    this.worker.post(message, transfer);
  }
}
