import { formatEuro, formatInt, formatPercent } from "../ui/format.ts";
import { h } from "./dom.ts";
import { seriesCard } from "./overview.ts";
import type { Sales } from "./sales.ts";

/** The seed's part 2: CA per product and per country, with shares, and per week and month. */

interface Line {
  name: string;
  ca: number;
  achats: number;
}

function shareTable(title: string, lines: Line[], total: number, id: string): HTMLElement {
  const max = Math.max(0, ...lines.map((l) => l.ca));
  return h(
    "section",
    { class: "card", "data-shares": id },
    h("strong", {}, title),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, ""), h("th", { class: "num" }, "CA"), h("th", { class: "num" }, "achats"), h("th", { class: "num" }, "share"))),
      h(
        "tbody",
        {},
        ...lines.map((l) =>
          h(
            "tr",
            { "data-name": l.name },
            h("td", {}, l.name),
            h("td", { style: "width: 40%" }, h("div", { class: "share-bar", style: `width: ${max > 0 ? (Math.max(0, l.ca) / max) * 100 : 0}%` })),
            h("td", { class: "num" }, formatEuro(l.ca)),
            h("td", { class: "num" }, formatInt(l.achats)),
            h("td", { class: "num", "data-share": "" }, formatPercent(total !== 0 ? (l.ca / total) * 100 : null)),
          ),
        ),
      ),
    ),
  );
}

/**
 * Countries as ca_par_pays has them, plus the purchases without a country (orphans, or
 * clients with no pays) as their own row: what kpis counts beyond the countries' sum.
 */
export function countryLines(sales: Sales): Line[] {
  const lines = sales.countries.map((c) => ({ name: c.pays, ca: c.ca_total, achats: c.nb_achats }));
  const achats = sales.kpis.nb_achats_total - lines.reduce((n, l) => n + l.achats, 0);
  const ca = sales.kpis.ca_total - lines.reduce((n, l) => n + l.ca, 0);
  if (achats > 0) lines.push({ name: "(no country)", ca, achats });
  return lines;
}

export function breakdownPage(sales: Sales): HTMLElement[] {
  const total = sales.kpis.ca_total;
  const products = sales.products.map((p) => ({ name: p.produit, ca: p.ca_total, achats: p.nb_achats }));
  return [
    h("div", { class: "cols" }, shareTable("CA per product", products, total, "products"), shareTable("CA per country", countryLines(sales), total, "countries")),
    seriesCard("Per week", sales.series, ["week"], "week"),
    seriesCard("Per month", sales.series, ["month"], "month"),
  ];
}
