import type { Row } from "../../src/contract/columns.ts";
import type { RefreshMetadata } from "../../src/serving/serving-store.ts";
import type { RunRecord } from "../../src/runner/record.ts";

/**
 * What the rendering tests draw: tables in SPEC's shape (columns and row order), written by
 * hand on purpose, beside the pipeline-made gold fixture (test/support/gold-fixture.ts) that
 * the loaders are tested on. A chart whose bars are checked to the eighth needs 40 days with
 * 1…40 purchases, and the tiles need 7-digit figures and a negative growth: more than a few
 * dozen source rows give. The figures need not add up across tables: each test checks how
 * one table is shown, not the pipeline's arithmetic.
 */

export const KPIS: Row = {
  ca_total: 1234567.891,
  nb_achats_total: 4321,
  panier_moyen: 285.71,
  nb_clients_uniques: 987,
  montant_moyen_par_client: 1250.83,
  taux_croissance_mensuel: -12.345,
  montant_median: 199.5,
  montant_std: 310.2,
  montant_min: 10,
  montant_max: 2499.99,
};

/** 2024-02-01 … 2024-03-11: CA 1000 × day index (1…40), purchases = day index. */
export const AGG_JOUR: Row[] = Array.from({ length: 40 }, (_, i) => {
  const d = new Date(Date.UTC(2024, 1, 1 + i)).toISOString().slice(0, 10);
  return { date: d, ca_total: 1000 * (i + 1), panier_moyen: 1000, nb_achats: i + 1, nb_clients: i + 1 };
});

export const AGG_SEMAINE: Row[] = [
  { semaine: "2024-W05", date_debut: "2024-01-29", ca_total: 10000, panier_moyen: 1000, nb_achats: 10, nb_clients: 9 },
  { semaine: "2024-W06", date_debut: "2024-02-05", ca_total: 56000, panier_moyen: 1000, nb_achats: 56, nb_clients: 50 },
  { semaine: "2024-W07", date_debut: "2024-02-12", ca_total: 105000, panier_moyen: 1000, nb_achats: 105, nb_clients: 90 },
];

export const AGG_MOIS: Row[] = [
  { mois: "2024-02", ca_total: 435000, panier_moyen: 1000, nb_achats: 435, nb_clients: 300 },
  { mois: "2024-03", ca_total: 385000, panier_moyen: 1000, nb_achats: 385, nb_clients: 280 },
];

/** ca_total descending; part_ca is each product's percent of 1,234,567.891. */
export const CA_PAR_PRODUIT: Row[] = [
  { produit: "Laptop", ca_total: 800000, panier_moyen: 1600, nb_achats: 500, nb_clients: 400, part_ca: 64.8 },
  { produit: "Phone", ca_total: 400000, panier_moyen: 700, nb_achats: 571, nb_clients: 500, part_ca: 32.4 },
  { produit: "Mouse", ca_total: 34567.891, panier_moyen: 80, nb_achats: 432, nb_clients: 300, part_ca: 2.8 },
];

export const CA_PAR_PAYS: Row[] = [
  { pays: "France", ca_total: 600000, panier_moyen: 300, nb_achats: 2000, nb_clients: 500 },
  { pays: "Germany", ca_total: 300000, panier_moyen: 300, nb_achats: 1000, nb_clients: 250 },
  { pays: "日本", ca_total: 150000, panier_moyen: 300, nb_achats: 500, nb_clients: 100 },
];

export const TABLES = {
  kpis: [KPIS],
  agg_jour: AGG_JOUR,
  agg_semaine: AGG_SEMAINE,
  agg_mois: AGG_MOIS,
  ca_par_produit: CA_PAR_PRODUIT,
  ca_par_pays: CA_PAR_PAYS,
} as const;

export const REFRESH: RefreshMetadata = {
  collection: "gold_kpis",
  write_start: "2024-03-11T09:59:58.000Z",
  write_end: "2024-03-11T10:00:00.000Z",
  duration_seconds: 2,
  record_count: 1,
  run_id: "20240311T095900Z-all-ab12",
};

export const RUNS: RunRecord[] = [
  {
    id: "20240311T095900Z-all-ab12",
    flow: "all",
    state: "succeeded",
    parameters: {},
    started_at: "2024-03-11T09:59:00.000Z",
    ended_at: "2024-03-11T10:00:01.000Z",
    duration_ms: 61000,
    heartbeat_at: "2024-03-11T10:00:01.000Z",
    host: "test",
    pid: 1,
    tasks: [
      { name: "bronze", state: "succeeded", attempts: 1, rows_out: 5000 },
      { name: "silver", state: "succeeded", attempts: 1, rows_out: 4321 },
    ],
  },
  {
    id: "20240310T080000Z-all-cd34",
    flow: "all",
    state: "failed",
    parameters: {},
    started_at: "2024-03-10T08:00:00.000Z",
    duration_ms: 1500,
    heartbeat_at: "2024-03-10T08:00:01.500Z",
    host: "test",
    pid: 2,
    tasks: [{ name: "bronze", state: "failed", attempts: 3, error: "disk full" }],
    error: "disk full",
  },
];

/** 2024-03-11 10:05:00 UTC: five minutes after the last write. */
export const NOW = Date.UTC(2024, 2, 11, 10, 5, 0);
