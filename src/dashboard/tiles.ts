import type { Palette, Paint } from "../ui/color.ts";
import { formatCompactEuro, formatEuro, formatInt, formatPercent } from "../ui/format.ts";
import { columns, firstFit, padEnd } from "../ui/text.ts";
import type { Kpis } from "./data.ts";

/**
 * The KPI tiles: a grid of label-over-value tiles when the width allows three or more per
 * row, else one KPI per line. Labels and values have shorter forms for narrow tiles.
 */

interface Tile {
  /** Longest first; the first that fits is shown. */
  labels: string[];
  values: string[];
  paint: Paint;
}

function tiles(k: Kpis, p: Palette): Tile[] {
  const euro = (n: number | null) => (n === null ? [formatEuro(n)] : [formatEuro(n), formatEuro(n, 0), formatCompactEuro(n)]);
  const growth = k.taux_croissance_mensuel;
  return [
    { labels: ["CA total"], values: euro(k.ca_total), paint: p.bold },
    { labels: ["Nombre d'achats", "Achats"], values: [formatInt(k.nb_achats_total)], paint: p.bold },
    { labels: ["Panier moyen"], values: euro(k.panier_moyen), paint: p.bold },
    {
      labels: ["Croissance mensuelle", "Croissance"],
      values: [formatPercent(growth, 1, true)],
      // Coloured by sign: a fall is red, a rise green, flat or unknown plain.
      paint: growth === null || growth === 0 ? p.bold : growth > 0 ? p.green : p.red,
    },
    { labels: ["Clients uniques", "Clients"], values: [formatInt(k.nb_clients_uniques)], paint: p.bold },
    { labels: ["Montant moyen par client", "Moyenne / client", "Moy. / client"], values: euro(k.montant_moyen_par_client), paint: p.bold },
    { labels: ["Montant médian", "Médian"], values: euro(k.montant_median), paint: p.bold },
  ];
}

const MIN_TILE = 15;
const GAP = 2;

export function kpiTiles(k: Kpis, width: number, p: Palette): string[] {
  const all = tiles(k, p);
  const fitting = Math.min(all.length, Math.floor((width + GAP) / (MIN_TILE + GAP)));
  if (fitting < 3) {
    return all.map((t) => {
      const value = firstFit(Math.floor(width / 2), t.values);
      const label = firstFit(width - columns(value) - 1, t.labels);
      return `${p.dim(label)}${" ".repeat(width - columns(label) - columns(value))}${t.paint(value)}`;
    });
  }
  // As many rows as needed, then as few tiles per row as fill them: 4 + 3 rather than 6 + 1.
  const rows = Math.ceil(all.length / fitting);
  const perRow = Math.ceil(all.length / rows);
  const tileW = Math.floor((width - GAP * (perRow - 1)) / perRow);
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const row = all.slice(r * perRow, (r + 1) * perRow);
    const gap = " ".repeat(GAP);
    out.push(row.map((t) => p.dim(padEnd(firstFit(tileW, t.labels), tileW))).join(gap));
    out.push(row.map((t) => t.paint(padEnd(firstFit(tileW, t.values), tileW))).join(gap));
  }
  return out;
}
