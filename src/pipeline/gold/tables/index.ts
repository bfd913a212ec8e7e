/**
 * SPEC's gold tables, each built from the accumulated state (state.ts). A new table is its
 * entry in the contract (contract/gold-tables.ts), its builder in the file of its family here,
 * and its line below.
 */
import type { GoldTableName } from "../../../contract/gold-tables.ts";
import type { GoldTable, GoldTables } from "./built-table.ts";
import type { GoldState } from "../state/gold-state.ts";
import { aggJour, aggMois, aggSemaine } from "./aggregates.ts";
import { dimClients, dimDates, dimProduits } from "./dimensions.ts";
import { factAchats } from "./facts.ts";
import { kpis } from "./kpis.ts";
import { caParPays, caParProduit } from "./rankings.ts";

const GOLD_TABLE_BUILDERS: { readonly [N in GoldTableName]: (state: GoldState) => GoldTable } = {
  fact_achats: factAchats,
  kpis,
  dim_clients: dimClients,
  dim_produits: dimProduits,
  dim_dates: dimDates,
  agg_jour: aggJour,
  agg_semaine: aggSemaine,
  agg_mois: aggMois,
  ca_par_pays: caParPays,
  ca_par_produit: caParProduit,
};

export function goldTables(state: GoldState): GoldTables {
  const tables = {} as Record<GoldTableName, GoldTable>;
  for (const [name, build] of Object.entries(GOLD_TABLE_BUILDERS)) tables[name as GoldTableName] = build(state);
  return tables;
}
