import type { ColumnType } from "../../../contract/columns.ts";
import type { Column } from "../../../columnar/columns.ts";
import type { LeafRun } from "./btree.ts";
import type { FreeRun } from "./page-file.ts";
import { toWire } from "./batch-wire.ts";
import type { IndexDef } from "./index-keys.ts";
import type { TableJob } from "./table-worker.ts";
import type { TableWorkers } from "./table-workers.ts";
import { TableKeys, type RowidColumn } from "./table-load.ts";

/** Batches sent to a worker and not yet written: a reader faster than the workers waits past this. */
const IN_FLIGHT = 2;

export interface LoadedInWorkers {
  /** Every batch's leaves, in the table's order. */
  runs: LeafRun[];
  unused: FreeRun[];
}

/**
 * A table whose leaves are written by table workers (table-workers.ts), batch k by worker
 * k mod their count: this thread checks each batch's rowids and collects its index keys (TableKeys,
 * as for a table loaded here), then sends the worker a copy. At most IN_FLIGHT of the table's
 * batches wait for each worker, so memory stays a few batches whatever the table's size.
 */
export class TableInWorkers {
  readonly keys: TableKeys;
  /** Once every worker is done with the table: the leaves to put interior pages over. Rejects with a worker's error. */
  readonly loaded: Promise<LoadedInWorkers>;
  private readonly runs: LeafRun[] = [];
  private readonly waiting: number[];
  private taken: (() => void) | undefined;
  private batches = 0;

  constructor(
    job: Omit<TableJob, "types" | "rowidColumn">,
    types: readonly ColumnType[],
    private readonly rowid: RowidColumn,
    indexes: readonly IndexDef[],
    private readonly workers: TableWorkers,
  ) {
    this.keys = new TableKeys(types, rowid, indexes);
    this.waiting = Array.from({ length: workers.count }, () => 0);
    const parts = this.waiting.map(() => Promise.withResolvers<FreeRun[]>());
    workers.start({ ...job, types, rowidColumn: rowid.column }, (w) => ({
      leaves: (done) => {
        this.runs[done.batch] = done.leaves;
        this.waiting[w]!--;
        this.taken?.();
      },
      done: (unused) => parts[w]!.resolve(unused),
      failed: (err) => parts[w]!.reject(err),
    }));
    this.loaded = Promise.all(parts.map((part) => part.promise)).then((unused) => ({ runs: this.runs, unused: unused.flat() }));
    this.loaded.catch(() => {});
  }

  get count(): number {
    return this.keys.count;
  }

  /** Resolves once the batch's worker is at most IN_FLIGHT batches behind; rejects when a worker failed. */
  async push(rowCount: number, values: readonly (Column | undefined)[]): Promise<void> {
    const rowids = this.keys.take(rowCount, values);
    // The rowids go on their own: the worker has no use for the rowid column's values.
    const { batch: rows, transfer } = toWire(rowCount, values.map((v, c) => (c === this.rowid.column ? undefined : v)));
    transfer.push(rowids.buffer as ArrayBuffer);
    const w = this.batches % this.workers.count;
    this.workers.post(w, { batch: this.batches++, rows, rowids }, transfer);
    this.waiting[w]!++;
    while (this.waiting[w]! >= IN_FLIGHT) {
      await Promise.race([new Promise<void>((resolve) => (this.taken = resolve)), this.loaded]);
    }
  }

  finish(): void {
    for (let w = 0; w < this.workers.count; w++) this.workers.post(w, { finish: true });
  }
}
