/**
 * fact_achats, the one fact table: a row per kept purchase, joined with its client. Nothing is
 * materialised up front: each slice gathers its rows' ids and amounts into typed arrays, and
 * points at the values held once (a client's name or email, a product, a day) through indices,
 * which the writers copy from directly, and which let Parquet's dictionaries be built without
 * hashing. Built from the shared data alone, so the CSV worker builds it too (csv-worker.ts).
 */
import { SliceScratch } from "../../../columnar/slice-scratch.ts";
import { GOLD_TABLES } from "../../../contract/gold-tables.ts";
import type { GoldTable } from "./built-table.ts";
import type { SharedTableData } from "../state/shared-data.ts";
import type { GoldState } from "../state/gold-state.ts";

export const factAchats = (state: GoldState): GoldTable => factTable(state.shared);

/** fact_achats in id_achat order. */
export function factTable(data: SharedTableData): GoldTable {
  const { facts, clients, days, products } = data;
  const { length: rowCount, order, idAchat: idAchats, client: rowClient, day: rowDay, montant: montants, product: rowProduct } = facts;
  const { kept, ids, name: names, inscription: inscriptions, country: countries, inscriptionDays } = clients;
  const scratch = new SliceScratch();
  return {
    name: "fact_achats",
    columns: GOLD_TABLES.fact_achats.columns,
    rowCount,
    shared: data,
    slice(start, end) {
      const n = Math.max(0, Math.min(end, rowCount) - start);
      const [idAchat, montant] = scratch.numbers(n, 2);
      const [client, day, product, keptClient, name, inscription, country] = scratch.indices(n, 7);
      for (let i = 0; i < n; i++) {
        const r = order ? order[start + i]! : start + i;
        const c = rowClient[r]!;
        const isKept = c < kept; // an orphan's client columns are null
        idAchat[i] = idAchats[r]!;
        montant[i] = montants[r]!;
        client[i] = c;
        day[i] = rowDay[r]!;
        product[i] = rowProduct[r]!;
        keptClient[i] = isKept ? c : -1;
        name[i] = isKept ? names[c]! : -1;
        inscription[i] = isKept ? inscriptions[c]! : -1;
        country[i] = isKept ? countries[c]! : -1;
      }
      return [
        idAchat,
        { values: ids, index: client },
        { values: days, index: day },
        montant,
        { values: products, index: product },
        { values: clients.names, index: name },
        { values: clients.email, index: keptClient },
        { values: inscriptionDays, index: inscription },
        { values: clients.countries, index: country },
      ];
    },
  };
}
