import type { ObjectStore } from "../../storage/object-store.ts";
import type { BronzeEntry } from "../bronze.ts";
import { GrowableFloat64 } from "../growable.ts";
import { IdSet } from "../id-set.ts";
import type { Staging } from "../staging.ts";
import { ParquetOut } from "./parquet-out.ts";
import { RejectWriter } from "./rejects.ts";
import { checkAchatPost, checkAchatPre, outlierLimit, quantileLinear, trimField } from "./rules.ts";
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

const pre = (fields: readonly string[]) =>
  checkAchatPre({
    id_achat: trimField(fields[0]!),
    id_client: trimField(fields[1]!),
    date_achat: trimField(fields[2]!),
    montant: trimField(fields[3]!),
    produit: trimField(fields[4]!),
  });

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
  const amounts = new GrowableFloat64();
  let seen = 0;
  for await (const batch of bronzeRecords(store, entry)) {
    for (const { fields } of batch) {
      if (fields.length !== ACHAT_COLUMNS.length) continue;
      const checked = pre(fields);
      if (checked.ok) amounts.push(checked.montant);
    }
    seen += batch.length;
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
    for (const { fields, line } of batch) {
      rowsIn++;
      if (fields.length !== ACHAT_COLUMNS.length) {
        rejects.add(fields, "malformed_row", line);
        continue;
      }
      const first = pre(fields);
      if (!first.ok) {
        rejects.add(fields, first.reason, line);
        continue;
      }
      const checked = checkAchatPost(first, asOfDay, limit);
      if (!checked.ok) {
        rejects.add(fields, checked.reason, line);
        continue;
      }
      const a = checked.achat;
      if (!ids.add(a.id_achat)) {
        rejects.add(fields, "duplicate", line);
        continue;
      }
      if (!clientIds.has(a.id_client)) orphans++;
      out.push(a.id_achat, a.id_client, a.date_achat, a.montant, a.produit);
    }
    await rejects.flush();
    await out.drain();
    progress(2, rowsIn);
  }
  await rejects.close();
  await out.finish();
  return { rowsIn, kept: out.rows, rejects: rejects.counts, orphans, q99 };
}
