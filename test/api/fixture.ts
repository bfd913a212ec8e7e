import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type AppOptions } from "../../src/api/app.ts";
import { listen, type Listening } from "../../src/api/listen.ts";
import type { GoldTableName } from "../../src/contract/gold-tables.ts";
import type { Row } from "../../src/contract/columns.ts";
import type { ServingStore } from "../../src/serving/serving-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";

/**
 * Hand-made gold tables for the API tests: five purchases (one orphan, client 99) of three
 * clients, with every other table worked out from them by hand.
 */
const fact = (
  id_achat: number,
  id_client: number,
  date_achat: string,
  montant: number,
  produit: string,
  client: [string, string, string, string] | null,
): Row => ({
  id_achat,
  id_client,
  date_achat,
  montant,
  produit,
  nom: client?.[0] ?? null,
  email: client?.[1] ?? null,
  date_inscription: client?.[2] ?? null,
  pays: client?.[3] ?? null,
});
const alice: [string, string, string, string] = ["Alice", "alice@example.fr", "2023-05-01", "France"];
const bob: [string, string, string, string] = ["Bob", "bob@example.de", "2023-06-01", "Germany"];
const zoe: [string, string, string, string] = ["Zoé", "zoe@example.es", "2023-07-01", "Spain"];

export const GOLD: Record<GoldTableName, Row[]> = {
  fact_achats: [
    fact(1, 10, "2024-01-15", 100, "Laptop", alice),
    fact(2, 11, "2024-01-20", 50.5, "Mouse", bob),
    fact(3, 10, "2024-02-03", 200, "Phone", alice),
    fact(4, 99, "2024-02-10", 30, "Mouse", null),
    fact(5, 12, "2024-03-01", 1200, "Laptop", zoe),
  ],
  kpis: [
    {
      ca_total: 1580.5,
      nb_achats_total: 5,
      panier_moyen: 316.1,
      nb_clients_uniques: 4,
      montant_moyen_par_client: 395.125,
      taux_croissance_mensuel: 400,
      montant_median: 100,
      montant_std: 498.1,
      montant_min: 30,
      montant_max: 1200,
    },
  ],
  dim_clients: [
    { id_client: 10, nom: "Alice", email: "alice@example.fr", date_inscription: "2023-05-01", pays: "France" },
    { id_client: 11, nom: "Bob", email: "bob@example.de", date_inscription: "2023-06-01", pays: "Germany" },
    { id_client: 12, nom: "Zoé", email: "zoe@example.es", date_inscription: "2023-07-01", pays: "Spain" },
  ],
  dim_produits: [
    { id_produit: 1, produit: "Laptop" },
    { id_produit: 2, produit: "Mouse" },
    { id_produit: 3, produit: "Phone" },
  ],
  dim_dates: [
    { id_date: 1, date: "2024-01-15", jour: 15, mois: 1, annee: 2024, jour_semaine: "Monday", semaine: 3, trimestre: 1 },
    { id_date: 2, date: "2024-01-20", jour: 20, mois: 1, annee: 2024, jour_semaine: "Saturday", semaine: 3, trimestre: 1 },
    { id_date: 3, date: "2024-02-03", jour: 3, mois: 2, annee: 2024, jour_semaine: "Saturday", semaine: 5, trimestre: 1 },
    { id_date: 4, date: "2024-02-10", jour: 10, mois: 2, annee: 2024, jour_semaine: "Saturday", semaine: 6, trimestre: 1 },
    { id_date: 5, date: "2024-03-01", jour: 1, mois: 3, annee: 2024, jour_semaine: "Friday", semaine: 9, trimestre: 1 },
  ],
  agg_jour: [
    { date: "2024-01-15", ca_total: 100, panier_moyen: 100, nb_achats: 1, nb_clients: 1 },
    { date: "2024-01-20", ca_total: 50.5, panier_moyen: 50.5, nb_achats: 1, nb_clients: 1 },
    { date: "2024-02-03", ca_total: 200, panier_moyen: 200, nb_achats: 1, nb_clients: 1 },
    { date: "2024-02-10", ca_total: 30, panier_moyen: 30, nb_achats: 1, nb_clients: 1 },
    { date: "2024-03-01", ca_total: 1200, panier_moyen: 1200, nb_achats: 1, nb_clients: 1 },
  ],
  agg_semaine: [
    { semaine: "2024-W03", date_debut: "2024-01-15", ca_total: 150.5, panier_moyen: 75.25, nb_achats: 2, nb_clients: 2 },
    { semaine: "2024-W05", date_debut: "2024-01-29", ca_total: 200, panier_moyen: 200, nb_achats: 1, nb_clients: 1 },
    { semaine: "2024-W06", date_debut: "2024-02-05", ca_total: 30, panier_moyen: 30, nb_achats: 1, nb_clients: 1 },
    { semaine: "2024-W09", date_debut: "2024-02-26", ca_total: 1200, panier_moyen: 1200, nb_achats: 1, nb_clients: 1 },
  ],
  agg_mois: [
    { mois: "2024-01", ca_total: 150.5, panier_moyen: 75.25, nb_achats: 2, nb_clients: 2 },
    { mois: "2024-02", ca_total: 230, panier_moyen: 115, nb_achats: 2, nb_clients: 2 },
    { mois: "2024-03", ca_total: 1200, panier_moyen: 1200, nb_achats: 1, nb_clients: 1 },
  ],
  ca_par_pays: [
    { pays: "Spain", ca_total: 1200, panier_moyen: 1200, nb_achats: 1, nb_clients: 1 },
    { pays: "France", ca_total: 300, panier_moyen: 150, nb_achats: 2, nb_clients: 1 },
    { pays: "Germany", ca_total: 50.5, panier_moyen: 50.5, nb_achats: 1, nb_clients: 1 },
  ],
  ca_par_produit: [
    { produit: "Laptop", ca_total: 1300, panier_moyen: 650, nb_achats: 2, nb_clients: 2, part_ca: (1300 / 1580.5) * 100 },
    { produit: "Phone", ca_total: 200, panier_moyen: 200, nb_achats: 1, nb_clients: 1, part_ca: (200 / 1580.5) * 100 },
    { produit: "Mouse", ca_total: 80.5, panier_moyen: 40.25, nb_achats: 2, nb_clients: 2, part_ca: (80.5 / 1580.5) * 100 },
  ],
};

export async function* batches(rows: Row[], size = rows.length || 1): AsyncIterable<Row[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

/** A SQLite serving store in a fresh folder, every gold table loaded under `runId`. */
export async function loadedStore(runId = "run-1"): Promise<{ store: ServingStore; dir: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "elt-api-"));
  const store = openSqliteStore(join(dir, "serving.sqlite"));
  for (const [table, rows] of Object.entries(GOLD) as [GoldTableName, Row[]][]) {
    await store.replaceTable(table, batches(rows), runId);
  }
  return {
    store,
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Running extends Listening {
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  logs: string[];
}

/** The app listening on 127.0.0.1 at an ephemeral port, with a helper to GET JSON. */
export function serve(options: Omit<AppOptions, "log">): Running {
  const logs: string[] = [];
  const server = listen(createApp({ ...options, log: (line) => logs.push(line) }), "127.0.0.1", 0);
  return {
    ...server,
    logs,
    async get(path, headers = {}) {
      const response = await fetch(server.url + path, { headers });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text === "" ? null : JSON.parse(text) };
    },
  };
}
