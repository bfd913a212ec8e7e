/**
 * SPEC's gold tables: names, columns in order, their types, row order and what a row is. The
 * one place that says what a gold table looks like; writers, the serving store, the API and its
 * docs all read it from here.
 */

import { columnsOf as cols, type ColumnDef } from "./columns.ts";

const measures = "ca_total:double, panier_moyen:double, nb_achats:int, nb_clients:int";

export const GOLD_TABLES = {
  fact_achats: {
    columns: cols(
      "id_achat:int, id_client:int, date_achat:date, montant:double, produit:string, nom:string, email:string, date_inscription:date, pays:string",
    ),
    orderBy: "id_achat",
    description: "One row per kept purchase, joined with its client (client columns null for orphans), by id_achat.",
  },
  kpis: {
    columns: cols(
      "ca_total:double, nb_achats_total:int, panier_moyen:double, nb_clients_uniques:int, montant_moyen_par_client:double, taux_croissance_mensuel:double, montant_median:double, montant_std:double, montant_min:double, montant_max:double",
    ),
    orderBy: null,
    description: "The headline figures, exactly one row.",
  },
  dim_clients: {
    columns: cols("id_client:int, nom:string, email:string, date_inscription:date, pays:string"),
    orderBy: "id_client",
    description: "One row per kept client, by id_client.",
  },
  dim_produits: {
    columns: cols("id_produit:int, produit:string"),
    orderBy: "produit",
    description: "One row per product sold, alphabetical.",
  },
  dim_dates: {
    columns: cols("id_date:int, date:date, jour:int, mois:int, annee:int, jour_semaine:string, semaine:int, trimestre:int"),
    orderBy: "date",
    description: "One row per purchase date, with its calendar parts.",
  },
  agg_jour: { columns: cols(`date:date, ${measures}`), orderBy: "date", description: "Sales per day." },
  agg_semaine: {
    columns: cols(`semaine:string, date_debut:date, ${measures}`),
    orderBy: "semaine",
    description: "Sales per ISO 8601 week.",
  },
  agg_mois: { columns: cols(`mois:string, ${measures}`), orderBy: "mois", description: "Sales per calendar month." },
  ca_par_pays: {
    columns: cols(`pays:string, ${measures}`),
    orderBy: "ca_total desc",
    description: "Sales per client country, largest first.",
  },
  ca_par_produit: {
    columns: cols(`produit:string, ${measures}, part_ca:double`),
    orderBy: "ca_total desc",
    description: "Sales per product, largest first, with its share of the total.",
  },
} as const satisfies Record<string, { columns: ColumnDef[]; orderBy: string | null; description: string }>;

export type GoldTableName = keyof typeof GOLD_TABLES;
export const GOLD_TABLE_NAMES = Object.keys(GOLD_TABLES) as GoldTableName[];

/**
 * The tables that grow with the input, a row per purchase or per client; every other one has
 * a row per day, week, month, product or country (a few thousand at most).
 */
export const GROWING_TABLES: ReadonlySet<GoldTableName> = new Set(["fact_achats", "dim_clients"]);

export function isGoldTable(name: string): name is GoldTableName {
  return Object.hasOwn(GOLD_TABLES, name);
}
