/** Silver rows: typed, cleaned values as SPEC's "kept rows" describe them. */

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

export const CLIENT_REJECT_CODES = [
  "malformed_row",
  "missing_field",
  "invalid_id",
  "invalid_email",
  "invalid_date",
  "future_date",
  "duplicate",
] as const;
export const ACHAT_REJECT_CODES = [
  "malformed_row",
  "missing_field",
  "invalid_id",
  "invalid_amount",
  "negative_amount",
  "outlier_amount",
  "invalid_date",
  "future_date",
  "too_old",
  "duplicate",
] as const;
export type ClientRejectCode = (typeof CLIENT_REJECT_CODES)[number];
export type AchatRejectCode = (typeof ACHAT_REJECT_CODES)[number];

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

import type { ParquetColumn } from "../../formats/parquet.ts";

/**
 * Column types of the silver Parquet tables. Only pays can be null in a kept row; the others
 * are REQUIRED, which readers decode into typed arrays, much faster.
 */
export const SILVER_CLIENT_TYPES: ParquetColumn[] = [
  { name: "id_client", type: "int", nullable: false },
  { name: "nom", type: "string", nullable: false },
  { name: "email", type: "string", nullable: false },
  { name: "date_inscription", type: "date", nullable: false },
  { name: "pays", type: "string" },
];
export const SILVER_ACHAT_TYPES: ParquetColumn[] = [
  { name: "id_achat", type: "int", nullable: false },
  { name: "id_client", type: "int", nullable: false },
  { name: "date_achat", type: "date", nullable: false },
  { name: "montant", type: "double", nullable: false },
  { name: "produit", type: "string", nullable: false },
];
