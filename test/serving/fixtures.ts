import type { Row } from "../../src/contract/columns.ts";
import { goldFixture } from "../support/gold-fixture.ts";

const { tables } = await goldFixture();

/**
 * fact_achats of the shared gold fixture, in gold order (by id_achat: 1…7, then 2^53−1, the
 * largest valid id): an orphan at index 3 (null client columns), a tie on montant (6 and 7),
 * non-ASCII text (Zoé, Écran, España, 日本).
 */
export const FACT: Row[] = tables.fact_achats;

/** In ca_total descending order (Germany, France, España, 日本), which is not the alphabetical one: the store must keep it. */
export const CA_PAR_PAYS: Row[] = tables.ca_par_pays;

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
