import type { Row } from "../../src/contract/columns.ts";

/**
 * Gold rows for the serving-store tests, written by hand in gold order (fact_achats by
 * id_achat). They cover an orphan (null client columns), a tie on montant, non-ASCII text and
 * the largest valid id.
 */
export const FACT: Row[] = [
  { id_achat: 1, id_client: 10, date_achat: "2024-01-01", montant: 1200.5, produit: "Laptop", nom: "Alice", email: "alice@example.com", date_inscription: "2023-05-01", pays: "France" },
  { id_achat: 2, id_client: 11, date_achat: "2024-01-02", montant: 19.99, produit: "Mouse", nom: "Bob", email: "bob@example.com", date_inscription: "2023-06-15", pays: "Germany" },
  { id_achat: 3, id_client: 99, date_achat: "2024-01-02", montant: 250, produit: "Phone", nom: null, email: null, date_inscription: null, pays: null },
  { id_achat: 5, id_client: 10, date_achat: "2024-01-03", montant: 19.99, produit: "Mouse", nom: "Alice", email: "alice@example.com", date_inscription: "2023-05-01", pays: "France" },
  { id_achat: 9007199254740991, id_client: 12, date_achat: "2024-02-10", montant: 0.1, produit: "Écran", nom: "Zoë", email: "zoe@example.com", date_inscription: "2024-01-20", pays: "España" },
];

/** In ca_total descending order, which is not the alphabetical one: the store must keep it. */
export const CA_PAR_PAYS: Row[] = [
  { pays: "France", ca_total: 1220.49, panier_moyen: 610.245, nb_achats: 2, nb_clients: 1 },
  { pays: "Germany", ca_total: 19.99, panier_moyen: 19.99, nb_achats: 1, nb_clients: 1 },
  { pays: "España", ca_total: 0.1, panier_moyen: 0.1, nb_achats: 1, nb_clients: 1 },
];

/** SPEC's kpis row for a run that kept no purchase: nulls in double columns. */
export const KPIS_EMPTY: Row[] = [
  { ca_total: 0, nb_achats_total: 0, panier_moyen: null, nb_clients_uniques: 0, montant_moyen_par_client: null, taux_croissance_mensuel: null, montant_median: null, montant_std: null, montant_min: null, montant_max: null },
];

/** `count` fact rows with ids 1..count, all of one `produit`, so a reader can tell versions apart. */
export function factRows(count: number, produit: string): Row[] {
  const rows: Row[] = [];
  for (let id = 1; id <= count; id++) {
    rows.push({ id_achat: id, id_client: id % 97, date_achat: "2024-03-01", montant: id / 4, produit, nom: null, email: null, date_inscription: null, pays: null });
  }
  return rows;
}

export async function* batchesOf(rows: readonly Row[], size: number, beforeEach?: () => Promise<void>): AsyncIterable<Row[]> {
  for (let at = 0; at < rows.length; at += size) {
    await beforeEach?.();
    yield rows.slice(at, at + size);
  }
}

export const idsOf = (rows: readonly Row[]) => rows.map((r) => r.id_achat);

export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
