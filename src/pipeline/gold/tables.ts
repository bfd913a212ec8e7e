/**
 * SPEC's gold tables: names, columns in order, and their types. The one place that says what
 * a gold table looks like; writers, the serving store and the API all read it from here.
 */

/** int: an integer (ids, counts, date parts); double: an IEEE double; date: `YYYY-MM-DD`. */
export type ColumnType = "int" | "double" | "string" | "date";

export interface ColumnDef {
  name: string;
  type: ColumnType;
}

export type Cell = string | number | null;
export type Row = Record<string, Cell>;

const cols = (spec: string): ColumnDef[] =>
  spec.split(",").map((part) => {
    const [name, type] = part.trim().split(":") as [string, ColumnType];
    return { name, type };
  });

const measures = "ca_total:double, panier_moyen:double, nb_achats:int, nb_clients:int";

export const GOLD_TABLES = {
  fact_achats: {
    columns: cols(
      "id_achat:int, id_client:int, date_achat:date, montant:double, produit:string, nom:string, email:string, date_inscription:date, pays:string",
    ),
    orderBy: "id_achat",
  },
  kpis: {
    columns: cols(
      "ca_total:double, nb_achats_total:int, panier_moyen:double, nb_clients_uniques:int, montant_moyen_par_client:double, taux_croissance_mensuel:double, montant_median:double, montant_std:double, montant_min:double, montant_max:double",
    ),
    orderBy: null,
  },
  dim_clients: { columns: cols("id_client:int, nom:string, email:string, date_inscription:date, pays:string"), orderBy: "id_client" },
  dim_produits: { columns: cols("id_produit:int, produit:string"), orderBy: "produit" },
  dim_dates: {
    columns: cols(
      "id_date:int, date:date, jour:int, mois:int, annee:int, jour_semaine:string, semaine:int, trimestre:int",
    ),
    orderBy: "date",
  },
  agg_jour: { columns: cols(`date:date, ${measures}`), orderBy: "date" },
  agg_semaine: { columns: cols(`semaine:string, date_debut:date, ${measures}`), orderBy: "semaine" },
  agg_mois: { columns: cols(`mois:string, ${measures}`), orderBy: "mois" },
  ca_par_pays: { columns: cols(`pays:string, ${measures}`), orderBy: "ca_total desc" },
  ca_par_produit: { columns: cols(`produit:string, ${measures}, part_ca:double`), orderBy: "ca_total desc" },
} as const satisfies Record<string, { columns: ColumnDef[]; orderBy: string | null }>;

export type GoldTableName = keyof typeof GOLD_TABLES;
export const GOLD_TABLE_NAMES = Object.keys(GOLD_TABLES) as GoldTableName[];

export function isGoldTable(name: string): name is GoldTableName {
  return Object.hasOwn(GOLD_TABLES, name);
}
