import { formatEuro, formatInt, formatPercent } from "../ui/format.ts";
import { salesChart, type Point } from "./chart.ts";
import { h, replace } from "./dom.ts";
import { GRANULARITIES, type Granularity, type Sales } from "./sales.ts";

/** The seed's Metabase/Streamlit part 1: the headline figures and sales over time. */

const UNIT: Record<Granularity, string> = { day: "day", week: "week", month: "month" };

function tile(label: string, value: string, options: { note?: string; tone?: "up" | "down"; id: string }) {
  return h(
    "div",
    { class: "tile", "data-kpi": options.id },
    h("div", { class: "label" }, label),
    h("div", { class: `value ${options.tone ?? ""}` }, value),
    options.note ? h("div", { class: "note" }, options.note) : null,
  );
}

/** Which months the growth rate compares, and how much of each has data: "-97 %" on a one-day month explains itself. */
function growthNote(sales: Sales): string | undefined {
  const months = sales.series.month;
  if (months.length < 2) return "needs two months of data";
  const daysIn = (month: string) => sales.series.day.filter((d) => d.label.startsWith(month)).length;
  const [before, last] = [months.at(-2)!.label, months.at(-1)!.label];
  const days = (n: number) => `${n} day${n === 1 ? "" : "s"} with sales`;
  return `${last} (${days(daysIn(last))}) vs ${before} (${days(daysIn(before))})`;
}

export function kpiTiles(sales: Sales): HTMLElement {
  const k = sales.kpis;
  const growth = k.taux_croissance_mensuel;
  return h(
    "section",
    { class: "tiles" },
    tile("CA total", formatEuro(k.ca_total), { id: "ca_total" }),
    tile("Nombre d'achats", formatInt(k.nb_achats_total), { id: "nb_achats_total" }),
    tile("Panier moyen", formatEuro(k.panier_moyen), { id: "panier_moyen" }),
    tile("Croissance mensuelle", formatPercent(growth, 1, true), {
      id: "taux_croissance_mensuel",
      note: growthNote(sales),
      tone: growth === null || growth === 0 ? undefined : growth > 0 ? "up" : "down",
    }),
    tile("Clients uniques", formatInt(k.nb_clients_uniques), { id: "nb_clients_uniques" }),
    tile("Montant moyen par client", formatEuro(k.montant_moyen_par_client), { id: "montant_moyen_par_client" }),
    tile("Montant médian", formatEuro(k.montant_median), { id: "montant_median" }),
  );
}

/** A sales chart with its day/week/month switch and the range shown in words. */
export function seriesCard(title: string, series: Record<Granularity, Point[]>, choices: readonly Granularity[], start: Granularity): HTMLElement {
  const range = h("span", { class: "range", "data-range": "" });
  const plot = h("div", { class: "plot" });
  let dispose = () => {};
  const buttons = choices.map((g) => h("button", { type: "button", "data-granularity": g, onclick: () => show(g) }, UNIT[g]));
  const show = (g: Granularity) => {
    for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.granularity === g));
    dispose();
    replace(plot);
    plot.dataset.granularity = g;
    if (series[g].length === 0) {
      replace(range, "no sales yet");
      return;
    }
    dispose = salesChart(plot, series[g], UNIT[g], (text) => replace(range, text));
  };
  const card = h("section", { class: "card" }, h("div", { class: "toolbar" }, h("strong", {}, title), ...(choices.length > 1 ? buttons : []), range), plot);
  // Drawn once in the page: uPlot measures its container.
  queueMicrotask(() => show(start));
  return card;
}

export function overviewPage(sales: Sales): HTMLElement[] {
  return [
    kpiTiles(sales),
    seriesCard("CA and purchases over time", sales.series, GRANULARITIES, sales.series.day.length > 400 ? "week" : "day"),
    h("p", { class: "muted" }, "Drag across the chart to zoom in; double-click to see the whole range again."),
  ];
}
