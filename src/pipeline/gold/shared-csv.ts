import { EltError, errorLine } from "../../errors.ts";
import type { Staging } from "../staging.ts";
import { workerUrl } from "../worker-url.ts";
import type { CsvJob, SharedTableName } from "./csv-worker.ts";
import type { GoldTable } from "./tables/gold-table.ts";

/**
 * The CSV files of the gold tables held in shared memory (fact_achats and dim_clients, most of
 * gold's encoding), written into staging files by a worker on another core while the caller
 * writes every other file. The worker is started on construction, so it has loaded by the
 * time the tables are built.
 */
export class SharedCsvFiles {
  readonly #worker: Worker;
  readonly #answer: Promise<void>;
  readonly #closed: Promise<void>;
  readonly #names = new Set<string>();

  constructor() {
    let worker: Worker;
    try {
      worker = new Worker(workerUrl("pipeline/gold/csv-worker.ts"));
    } catch (err) {
      throw new EltError(`gold's worker failed: ${errorLine(err)}`);
    }
    this.#worker = worker;
    this.#closed = new Promise((resolve) => worker.addEventListener("close", () => resolve(), { once: true }));
    this.#answer = new Promise((resolve, reject) => {
      // Settles nothing once it has answered; before, the worker stopped without a word.
      worker.addEventListener("close", () => reject(new EltError("gold's worker stopped before its CSV files were written")));
      worker.onmessage = (event: MessageEvent<{ error?: string }>) => {
        const { error } = event.data;
        if (error === undefined) resolve();
        else reject(new EltError(`gold: cannot write the CSV files in staging: ${error}`));
      };
      // Not a data error (those come back as messages): a worker that cannot load is a bug.
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new EltError(`gold's worker failed: ${event.message}`));
      };
    });
    // Awaited in done(); a failure before then (gold failed first) is not unhandled.
    this.#answer.catch(() => {});
  }

  /** Starts writing the CSV of each table in shared memory, as `<name>.csv` in `staging`. */
  start(tables: readonly GoldTable[], staging: Staging): void {
    const jobs: CsvJob[] = [];
    for (const { name, shared } of tables) {
      if (!shared) continue;
      jobs.push({ name: name as SharedTableName, data: shared, path: staging.path(`${name}.csv`) });
      this.#names.add(name);
    }
    this.#worker.postMessage({ jobs });
  }

  /** Whether the worker writes this table's CSV. */
  writes(name: string): boolean {
    return this.#names.has(name);
  }

  /** Settles when every CSV file started is written. */
  async done(): Promise<void> {
    await this.#answer;
  }

  /** Stops the worker and waits until it has, so nothing writes in staging afterwards. */
  async stop(): Promise<void> {
    this.#worker.terminate();
    // A bound on the wait: a worker that never says it closed must not hold the run.
    await Promise.race([this.#closed, Bun.sleep(2000)]);
  }
}
