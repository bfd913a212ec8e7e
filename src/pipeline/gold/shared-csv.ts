import { EltError } from "../../core/errors.ts";
import type { Staging } from "../staging.ts";
import { WorkerTask } from "../../workers/worker-task.ts";
import type { CsvJob, SharedTableName } from "./csv-worker.ts";
import type { GoldTable } from "./tables/built-table.ts";

/**
 * The CSV files of the gold tables held in shared memory (fact_achats and dim_clients, most of
 * gold's encoding), written into staging files by a worker on another core while the caller
 * writes every other file. The worker is started on construction, so it has loaded by the
 * time the tables are built.
 */
export class SharedCsvFiles {
  readonly #task = new WorkerTask<{ error?: string }>("pipeline/gold/csv-worker.ts", "gold's worker");
  readonly #written = this.#task.answer.then(({ error }) => {
    if (error !== undefined) throw new EltError(`gold: cannot write the CSV files in staging: ${error}`);
  });
  readonly #names = new Set<string>();

  constructor() {
    // Awaited in done(); a failure before then (gold failed first) is not unhandled.
    this.#written.catch(() => {});
  }

  /** Starts writing the CSV of each table in shared memory, as `<name>.csv` in `staging`. */
  start(tables: readonly GoldTable[], staging: Staging): void {
    const jobs: CsvJob[] = [];
    for (const { name, shared } of tables) {
      if (!shared) continue;
      jobs.push({ name: name as SharedTableName, data: shared, path: staging.path(`${name}.csv`) });
      this.#names.add(name);
    }
    this.#task.post({ jobs });
  }

  /** Whether the worker writes this table's CSV. */
  writes(name: string): boolean {
    return this.#names.has(name);
  }

  /** Settles when every CSV file started is written; rejects with the signal's reason once it is aborted (then stop() ends the worker). */
  async done(signal?: AbortSignal): Promise<void> {
    if (!signal) return this.#written;
    signal.throwIfAborted();
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      await Promise.race([this.#written, aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Stops the worker and waits until it has, so nothing writes in staging afterwards. */
  async stop(): Promise<void> {
    await this.#task.stop();
  }
}
