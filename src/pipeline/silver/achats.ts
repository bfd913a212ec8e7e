import type { ObjectStore } from "../../storage/object-store.ts";
import type { BronzeEntry } from "../bronze.ts";
import { GrowableFloat64 } from "../growable.ts";
import { IdSet } from "../id-set.ts";
import type { Staging } from "../staging.ts";
import { ParquetOut } from "./parquet-out.ts";
import { RejectWriter } from "./rejects.ts";
import { AchatRow, checkAchatPost, checkAchatPre, outlierLimit, products, quantileLinear, trimFields } from "./rules.ts";
import { bronzeRecords } from "./source.ts";
import { ACHAT_COLUMNS, ACHAT_REJECT_CODES, SILVER_ACHAT_TYPES, type AchatRejectCode } from "./types.ts";

export interface AchatsResult {
  rowsIn: number;
  kept: number;
  rejects: Record<string, number>;
  orphans: number;
  /** The 0.99 quantile of the candidate amounts, null when there are none. */
  q99: number | null;
}

const COLUMNS = ACHAT_COLUMNS.length;

/**
 * SPEC's purchase rules. The outlier rule needs q99 of every row that passed rules 1–4
 * before any row can be judged, so the bronze copy is read twice: a first pass keeps only
 * those amounts (a Float64Array, never rows), the second applies every rule and writes.
 */
export async function cleanAchats(
  store: ObjectStore,
  entry: BronzeEntry,
  asOfDay: number,
  clientIds: IdSet,
  staging: Staging,
  progress: (pass: 1 | 2, rows: number) => void,
): Promise<AchatsResult> {
  const f = new Int32Array(2 * COLUMNS);
  const row = new AchatRow();
  const amounts = new GrowableFloat64(entry.rows);
  let seen = 0;
  for await (const batch of bronzeRecords(store, entry)) {
    for (let r = 0; r < batch.count; r++) {
      if (batch.size(r) !== COLUMNS) continue;
      if (checkAchatPre(batch.bytes, f, trimFields(batch, r, f), row) === null) amounts.push(row.montant);
    }
    seen += batch.count;
    progress(1, seen);
  }
  const sorted = amounts.sorted();
  const limit = outlierLimit(sorted);
  // Not limit / 2: that is Infinity once 2 × q99 overflows (amounts near 1e308 are valid).
  const q99 = sorted.length === 0 ? null : quantileLinear(sorted, 0.99);

  const out = new ParquetOut(staging.file("achats.parquet"), SILVER_ACHAT_TYPES);
  const rejects = new RejectWriter<AchatRejectCode>(staging.file("achats_rejects.csv"), ACHAT_COLUMNS, ACHAT_REJECT_CODES);
  const ids = new IdSet();
  let rowsIn = 0;
  let orphans = 0;
  for await (const batch of bronzeRecords(store, entry)) {
    const bytes = batch.bytes;
    for (let r = 0; r < batch.count; r++) {
      const reason =
        batch.size(r) !== COLUMNS
          ? "malformed_row"
          : (checkAchatPre(bytes, f, trimFields(batch, r, f), row) ??
            checkAchatPost(bytes, f, row, asOfDay, limit) ??
            (ids.add(row.id_achat) ? null : "duplicate"));
      if (reason !== null) {
        rejects.add(batch.fields(r), reason, batch.lines[r]!);
        continue;
      }
      if (!clientIds.has(row.id_client)) orphans++;
      out.set(0, row.id_achat);
      out.set(1, row.id_client);
      out.set(2, row.date_achat);
      out.set(3, row.montant);
      out.set(4, products.of(batch, f[8]!, f[9]!));
      out.next();
    }
    rowsIn += batch.count;
    await rejects.flush();
    await out.drain();
    progress(2, rowsIn);
  }
  await rejects.close();
  await out.finish();
  return { rowsIn, kept: out.rows, rejects: rejects.counts, orphans, q99 };
}
