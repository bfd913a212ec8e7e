/** The rankings: sales per client country and per product, largest first. */
import type { Cell } from "../../../contract/columns.ts";
import { compareCodePoints } from "../../../core/text-order.ts";
import { columnTable, type GoldTable } from "./built-table.ts";
import type { GoldState, GroupTotals } from "../state/gold-state.ts";
import { measureColumns, percentOf } from "./measure-columns.ts";

export const caParPays = (state: GoldState): GoldTable => columnTable("ca_par_pays", rankingColumns(state.countries));

/** With part_ca, each product's share of the total in percent. */
export function caParProduit(state: GoldState): GoldTable {
  const order = ranked(state.products);
  const { ca } = state.products.measures;
  return columnTable("ca_par_produit", [...rankingColumns(state.products, order), order.map((g) => percentOf(ca[g]!, state.total))]);
}

function rankingColumns(groups: GroupTotals<string>, order = ranked(groups)): Cell[][] {
  return [order.map((g) => groups.keys[g]!), ...measureColumns(groups, order)];
}

/** Groups by ca_total descending, ties by name in code-point order; only groups with sales. */
function ranked(groups: GroupTotals<string>): number[] {
  const { ca, count } = groups.measures;
  return groups.keys
    .map((_, g) => g)
    .filter((g) => count[g]! > 0)
    .sort((a, b) => ca[b]! - ca[a]! || compareCodePoints(groups.keys[a]!, groups.keys[b]!));
}
