import type { ColumnType } from "../../../contract/columns.ts";
import type { Column } from "../../../columnar/columns.ts";
import type { LeafRun } from "./btree.ts";
import type { FreeRun } from "./page-file.ts";
import { toWire } from "./batch-wire.ts";
import type { IndexDef } from "./index-keys.ts";
import type { TableJob } from "./table-worker.ts";
import type { TableListener, TableWorkers } from "./table-workers.ts";
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
 * batches wait for each worker, so memory stays a few batches whatever the table's size. A
 * table may take one more worker on the way (`grow`): the batches' numbers keep their leaves
 * in order, whichever worker wrote them.
 */
export class TableInWorkers {
  readonly keys: TableKeys;
  private readonly job: TableJob;
  private readonly runs: LeafRun[] = [];
  /** Per worker, its batches not written yet. */
  private readonly waiting: number[] = [];
  /** Per worker, the pages it left unused, once it is done with the table. */
  private readonly parts: PromiseWithResolvers<FreeRun[]>[] = [];
  /** Rejects with the first worker's error. */
  private readonly failure = Promise.withResolvers<never>();
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
    this.job = { ...job, types, rowidColumn: rowid.column };
    this.failure.promise.catch(() => {});
    workers.start(this.job, (w) => this.listener(w));
  }

  get count(): number {
    return this.keys.count;
  }

  /** One more worker for the rest of the table, and for the file's next tables. */
  grow(): void {
    this.workers.add(this.job, (w) => this.listener(w));
  }

  /** Resolves once the batch's worker is at most IN_FLIGHT batches behind; rejects when a worker failed. */
  async push(rowCount: number, values: readonly (Column | undefined)[]): Promise<void> {
    const rowids = this.keys.take(rowCount, values);
    // The rowids go on their own: the worker has no use for the rowid column's values.
    const { batch: rows, transfer } = toWire(rowCount, values.map((v, c) => (c === this.rowid.column ? undefined : v)));
    transfer.push(rowids.buffer as ArrayBuffer);
    const w = this.batches % this.parts.length;
    this.workers.post(w, { batch: this.batches++, rows, rowids }, transfer);
    this.waiting[w]!++;
    while (this.waiting[w]! >= IN_FLIGHT) {
      await Promise.race([new Promise<void>((resolve) => (this.taken = resolve)), this.failure.promise]);
    }
  }

  /** Ends the table; resolves once every worker is done with it: the leaves to put interior pages over. Rejects with a worker's error. */
  finish(): Promise<LoadedInWorkers> {
    for (let w = 0; w < this.parts.length; w++) this.workers.post(w, { finish: true });
    const loaded = Promise.all(this.parts.map((part) => part.promise)).then((unused) => ({ runs: this.runs, unused: unused.flat() }));
    loaded.catch(() => {});
    return loaded;
  }

  private listener(w: number): TableListener {
    this.waiting[w] = 0;
    const part = Promise.withResolvers<FreeRun[]>();
    part.promise.catch(() => {});
    this.parts[w] = part;
    return {
      leaves: (done) => {
        this.runs[done.batch] = done.leaves;
        this.waiting[w]!--;
        this.taken?.();
      },
      done: (unused) => part.resolve(unused),
      failed: (err) => {
        part.reject(err);
        this.failure.reject(err);
      },
    };
  }
}
