import type { ObjectStore } from "../../storage/object-store.ts";
import type { BronzeEntry } from "../bronze.ts";
import { IdSet } from "../../columnar/id-set.ts";
import type { Staging } from "../staging.ts";
import { ParquetOut } from "./parquet-out.ts";
import { RejectWriter } from "./rejects.ts";
import type { OutlierBound } from "./amounts.ts";
import { AchatRow, checkAchatPost, checkAchatPre, products, trimFields } from "./rules.ts";
import { bronzeRecords } from "./source.ts";
import { ACHAT_COLUMNS } from "../../contract/sources.ts";
import { ACHAT_REJECT_CODES, type AchatRejectCode } from "../../contract/rejects.ts";
import { SILVER_ACHAT_TYPES } from "../../contract/silver-tables.ts";

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
 * SPEC's purchase rules, given the outlier bound of the first pass (amounts.ts): every rule
 * is applied, kept rows are written and the others go to the rejects with their reason.
 */
export async function cleanAchats(
  store: ObjectStore,
  entry: BronzeEntry,
  asOfDay: number,
  clientIds: IdSet,
  bound: OutlierBound,
  staging: Staging,
  progress: (rows: number) => void,
): Promise<AchatsResult> {
  const f = new Int32Array(2 * COLUMNS);
  const row = new AchatRow();
  const limit = bound.limit;
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
      out.number(0, row.id_achat);
      out.number(1, row.id_client);
      out.number(2, row.date_achat);
      out.number(3, row.montant);
      out.repeated(4, products.of(batch, f[8]!, f[9]!));
      out.next();
    }
    rowsIn += batch.count;
    rejects.flush();
    progress(rowsIn);
  }
  rejects.close();
  out.finish();
  return { rowsIn, kept: out.rows, rejects: rejects.counts, orphans, q99: bound.q99 };
}
