import { StoreError } from "../../../core/errors.ts";
import { WorkerTask } from "../../../workers/worker-task.ts";
import type { BatchLeaves, TableAnswer, TableDone, TableJob, TableMessage } from "./table-worker.ts";

/** What a table hears from one of the workers writing its leaves. */
export interface TableListener {
  leaves(note: BatchLeaves): void;
  done(unused: TableDone["unused"]): void;
  failed(err: unknown): void;
}

/**
 * The table workers (table-worker.ts) that a file's big tables share, one table after another.
 * Each worker compiles the leaf-writing code once for the whole file: a worker per table
 * compiled it again for dim_clients, about a tenth of a 1M-purchase export's CPU. A worker
 * handles its messages in order, so its notes are the tables' in the order they were started.
 */
export class TableWorkers {
  private readonly tasks: WorkerTask<TableAnswer>[] = [];
  /** Per worker, the tables it was given and has not finished, oldest first. */
  private readonly tables: TableListener[][] = [];
  private failure: unknown;

  constructor(count: number) {
    for (let w = 0; w < count; w++) this.spawn();
  }

  get count(): number {
    return this.tasks.length;
  }

  /** Starts a table on every worker; worker w's notes for it go to `listener(w)`. */
  start(job: TableJob, listener: (w: number) => TableListener): void {
    this.tasks.forEach((_, w) => this.begin(w, job, listener(w)));
  }

  /**
   * One more worker, given the table under way (`job`) at once, its notes to `listener(w)`; it
   * stays for the file's next tables.
   */
  add(job: TableJob, listener: (w: number) => TableListener): void {
    const w = this.spawn();
    this.begin(w, job, listener(w));
  }

  /** Dropped once a worker failed: the file is lost then, and the healthy workers must not write into it any more. */
  post(w: number, message: TableMessage, transfer: ArrayBuffer[] = []): void {
    if (this.failure === undefined) this.tasks[w]!.post(message, transfer);
  }

  /** Stops the workers, once every table is done. */
  stop(): Promise<void> {
    return Promise.all(this.tasks.map((task) => task.stop())).then(() => {});
  }

  /** Stops them at once (a load that failed). */
  terminate(): void {
    for (const task of this.tasks) task.terminate();
  }

  /** A new worker; answers its number. */
  private spawn(): number {
    const tables: TableListener[] = [];
    const task = new WorkerTask<TableAnswer>("serving/sqlite/file/table-worker.ts", "the serving store's table worker", (note) => {
      const heard = note as BatchLeaves | TableDone;
      if ("leaves" in heard) tables[0]?.leaves(heard);
      else tables.shift()?.done(heard.unused);
    });
    // A worker answers only when it failed; one stopped after its last table leaves no one to tell.
    task.answer.then(
      (answer) => this.fail(new StoreError("failed", answer.error)),
      (err: unknown) => this.fail(err),
    );
    this.tables.push(tables);
    return this.tasks.push(task) - 1;
  }

  private begin(w: number, job: TableJob, table: TableListener): void {
    if (this.failure !== undefined) return table.failed(this.failure);
    this.tables[w]!.push(table);
    this.tasks[w]!.post({ job } satisfies TableMessage);
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    for (const tables of this.tables) for (const table of tables.splice(0)) table.failed(err);
  }
}
