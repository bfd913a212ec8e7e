/**
 * kpis, the headline figures in one row. montant_moyen_par_client adds the spending clients'
 * totals in id_client order; montant_std is two-pass, around ca_total / n.
 */
import { idOrder } from "../../../columnar/id-order.ts";
import { median, sampleStd } from "../../../stats/order-statistics.ts";
import { columnTable, type GoldTable } from "./built-table.ts";
import type { GoldState } from "../state/gold-state.ts";
import { percentOf, ratio } from "./measure-columns.ts";

/** SPEC's row when no purchase is kept: zero counts and null measures. */
const NO_PURCHASE = [[0], [0], [null], [0], [null], [null], [null], [null], [null], [null]];

export function kpis(state: GoldState): GoldTable {
  const { purchases, clients, months, total } = state;
  const n = purchases.length;
  if (n === 0) return columnTable("kpis", NO_PURCHASE);
  const montants = purchases.montant.subarray(0, n);
  const { ids, count } = clients;
  const { ca: clientCa, count: clientPurchases } = clients.measures;
  const byId = idOrder(ids, count);
  let spenders = 0;
  let clientTotals = 0;
  for (let i = 0; i < count; i++) {
    const c = byId ? byId[i]! : i;
    if (clientPurchases[c]! === 0) continue;
    spenders++;
    clientTotals += clientCa[c]!;
  }
  const last = months.ascending.at(-1)!;
  const before = months.ascending.at(-2);
  const { ca } = months.measures;
  const growth = before === undefined ? null : percentOf(ca[last]! - ca[before]!, ca[before]!);
  return columnTable("kpis", [
    [total],
    [n],
    [ratio(total, n)],
    [spenders],
    [ratio(clientTotals, spenders)],
    [growth],
    [median(montants)],
    [sampleStd(montants, total / n)],
    [state.min],
    [state.max],
  ]);
}
