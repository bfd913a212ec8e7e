import type { ObjectStore } from "../../storage/object-store.ts";
import type { BronzeEntry } from "../bronze.ts";
import type { IdSet } from "../../columnar/id-set.ts";
import type { Staging } from "../staging.ts";
import { ACHAT_REJECT_CODES } from "../../contract/rejects.ts";
import { SILVER_ACHAT_TYPES } from "../../contract/silver-tables.ts";
import type { OutlierBound } from "./amounts.ts";
import { products } from "./canonical.ts";
import { cleanDataset, type CleaningResult, type PassControl } from "./clean-pass.ts";
import { ACHAT_FIELD, judgeAchat, AchatRecord } from "./rules.ts";

export interface AchatsResult extends CleaningResult {
  orphans: number;
  /** The 0.99 quantile of the candidate amounts, null when there are none. */
  q99: number | null;
}

const { produit } = ACHAT_FIELD;

/** SPEC's purchase rules, given the outlier bound of the first pass (amounts.ts); counts the orphans among the kept rows. */
export async function cleanAchats(
  store: ObjectStore,
  entry: BronzeEntry,
  asOfDay: number,
  clientIds: IdSet,
  bound: OutlierBound,
  staging: Staging,
  control: PassControl,
): Promise<AchatsResult> {
  let orphans = 0;
  const result = await cleanDataset(
    store,
    entry,
    staging,
    {
      dataset: "achats",
      types: SILVER_ACHAT_TYPES,
      codes: ACHAT_REJECT_CODES,
      judge: judgeAchat,
      record: new AchatRecord(asOfDay, bound.limit),
      keep(out, r) {
        if (!clientIds.has(r.id_client)) orphans++;
        out.number(0, r.id_achat);
        out.number(1, r.id_client);
        out.number(2, r.date_achat);
        out.number(3, r.montant);
        out.repeated(4, products.of(r.batch, r.start(produit), r.end(produit)));
      },
    },
    control,
  );
  return { ...result, orphans, q99: bound.q99 };
}
