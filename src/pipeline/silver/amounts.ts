import type { ObjectStore } from "../../storage/object-store.ts";
import type { BronzeEntry } from "../bronze.ts";
import { GrowableFloat64 } from "../../columnar/growable.ts";
import { WorkerTask } from "../../workers/worker-task.ts";
import { quantileLinear } from "../../stats/order-statistics.ts";
import { AchatRecord, judgeOutlierCandidate } from "./rules.ts";
import { datasetRecords } from "./source.ts";

/** What the outlier rule needs from the first pass over the purchases. */
export interface OutlierBound {
  /** A montant above this is `outlier_amount` (NaN when no row passed the rules before it). */
  limit: number;
  /** The 0.99 quantile of the candidate amounts, null when there are none. */
  q99: number | null;
}

/**
 * SPEC's outlier bound: q99 over the montant of every purchase that passed rules 1–4 (see
 * OUTLIER_CANDIDATE_RULES), read from the purchases' bytes. Keeps only the amounts (a
 * Float64Array, never rows).
 */
export async function outlierBound(chunks: AsyncIterable<Uint8Array>, expectedRows: number): Promise<OutlierBound> {
  const record = new AchatRecord();
  const amounts = new GrowableFloat64(expectedRows);
  for await (const batch of datasetRecords(chunks, "achats")) {
    for (let r = 0; r < batch.count; r++) {
      record.read(batch, r);
      if (judgeOutlierCandidate(record) === null) amounts.push(record.montant);
    }
  }
  const values = amounts.values();
  const q99 = quantileLinear(values, 0.99);
  return { limit: 2 * q99, q99: values.length === 0 ? null : q99 };
}

/**
 * The outlier bound, computed on another core while the caller cleans the clients: the worker
 * opens the store again from its handle and reads the bronze copy itself (fed from this
 * thread, busy with the clients, it starved). When the data or the store stopped the worker,
 * `result()` makes the pass on this thread, so an error reads as it always did.
 */
export class OutlierBoundTask {
  private readonly worker: WorkerTask<{ bound?: OutlierBound }>;
  private readonly answer: Promise<OutlierBound | null>;

  constructor(
    private readonly store: ObjectStore,
    private readonly entry: BronzeEntry,
  ) {
    const worker = new WorkerTask<{ bound?: OutlierBound }>("pipeline/silver/bound-worker.ts", "silver's worker");
    this.worker = worker;
    this.answer = worker.answer.then((answer) => answer.bound ?? null);
    // Awaited in result(); a failure before then (the clients failed first) is not unhandled.
    this.answer.catch(() => {});
    worker.post({ store: store.handle, key: entry.key, rows: entry.rows });
  }

  async result(): Promise<OutlierBound> {
    try {
      return (await this.answer) ?? (await outlierBound(await this.store.get("bronze", this.entry.key), this.entry.rows));
    } finally {
      this.stop();
    }
  }

  stop(): void {
    this.worker.terminate();
  }
}
