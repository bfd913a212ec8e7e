/** SPEC's two source datasets: their files, exact headers, rows as silver keeps them, and reference values. */

export interface Client {
  id_client: number;
  nom: string;
  email: string;
  /** YYYY-MM-DD */
  date_inscription: string;
  pays: string | null;
}

export interface Achat {
  id_achat: number;
  id_client: number;
  /** YYYY-MM-DD */
  date_achat: string;
  montant: number;
  produit: string;
}

export const CLIENT_COLUMNS = ["id_client", "nom", "email", "date_inscription", "pays"] as const;
export const ACHAT_COLUMNS = ["id_achat", "id_client", "date_achat", "montant", "produit"] as const;

/** Each dataset's file name in the sources folder and its exact header. */
export const DATASETS = {
  clients: { file: "clients.csv", header: CLIENT_COLUMNS },
  achats: { file: "achats.csv", header: ACHAT_COLUMNS },
} as const;

export type Dataset = keyof typeof DATASETS;
export const DATASET_NAMES = Object.keys(DATASETS) as Dataset[];

export const COUNTRIES = [
  "France",
  "Germany",
  "Spain",
  "Italy",
  "Belgium",
  "Netherland",
  "Switzerland",
  "UK",
  "Canada",
] as const;

/** SPEC's products with their price range in EUR. */
export const PRODUCTS = {
  Laptop: [800, 2500],
  Phone: [200, 1200],
  Tablet: [150, 800],
  Headphones: [50, 400],
  Monitor: [100, 800],
  Keyboard: [30, 200],
  Mouse: [10, 150],
  Webcam: [40, 300],
  Speaker: [50, 500],
  Charger: [15, 100],
} as const satisfies Record<string, readonly [number, number]>;
