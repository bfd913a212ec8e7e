import { table } from "./api.ts";
import type { Point } from "./chart.ts";

/** What the overview and breakdown pages read: only the small gold tables, never the facts. */

// The terminal dashboard's shapes: both views read the same tables the same way.
import type { Kpis } from "../dashboard/data.ts";
import type { Granularity } from "../dashboard/view.ts";
export type { Kpis } from "../dashboard/data.ts";
export { GRANULARITIES, type Granularity } from "../dashboard/view.ts";

export interface Sales {
  kpis: Kpis;
  series: Record<Granularity, Point[]>;
  products: { produit: string; ca_total: number; nb_achats: number; part_ca: number | null }[];
  countries: { pays: string; ca_total: number; nb_achats: number }[];
}

interface Measures {
  ca_total: number;
  nb_achats: number;
}

export async function loadSales(): Promise<Sales> {
  const [kpis, days, weeks, months, products, countries] = await Promise.all([
    table<Kpis>("kpis"),
    table<Measures & { date: string }>("agg_jour"),
    table<Measures & { semaine: string; date_debut: string }>("agg_semaine"),
    table<Measures & { mois: string }>("agg_mois"),
    table<Sales["products"][number]>("ca_par_produit"),
    table<Sales["countries"][number]>("ca_par_pays"),
  ]);
  const point = (start: string, label: string, r: Measures): Point => ({ start, label, ca: r.ca_total, achats: r.nb_achats });
  return {
    kpis: kpis[0]!,
    series: {
      day: days.map((r) => point(r.date, r.date, r)),
      week: weeks.map((r) => point(r.date_debut, r.semaine, r)),
      month: months.map((r) => point(`${r.mois}-01`, r.mois, r)),
    },
    products,
    countries,
  };
}
