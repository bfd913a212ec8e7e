import { EltError } from "../../errors.ts";
import type { Staging } from "../staging.ts";
import { workerUrl } from "../worker-url.ts";
import type { BigTableName } from "./big-tables.ts";
import type { CsvJob } from "./csv-worker.ts";
import type { GoldTable } from "./gold-table.ts";

/**
 * The CSV files of the gold tables held in shared memory (fact_achats and dim_clients, most of
 * gold's encoding), written into staging files by a worker on another core while the caller
 * writes every other file. The worker is started on construction, so it has loaded by the
 * time the tables are built.
 */
export class SharedCsvFiles {
  readonly #worker = new Worker(workerUrl("pipeline/gold/csv-worker.ts"));
  readonly #answer: Promise<void>;
  readonly #names = new Set<string>();

  constructor() {
    const worker = this.#worker;
    this.#answer = new Promise((resolve, reject) => {
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
      jobs.push({ name: name as BigTableName, data: shared, path: staging.path(`${name}.csv`) });
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

  stop(): void {
    this.#worker.terminate();
  }
}
