import type { ColumnDef } from "./columns.ts";

/**
 * The silver Parquet tables' columns. Only pays can be null in a kept row; the others are
 * REQUIRED, which readers decode into typed arrays, much faster.
 */
export const SILVER_CLIENT_TYPES: readonly ColumnDef[] = [
  { name: "id_client", type: "int", nullable: false },
  { name: "nom", type: "string", nullable: false },
  { name: "email", type: "string", nullable: false },
  { name: "date_inscription", type: "date", nullable: false },
  { name: "pays", type: "string" },
];
export const SILVER_ACHAT_TYPES: readonly ColumnDef[] = [
  { name: "id_achat", type: "int", nullable: false },
  { name: "id_client", type: "int", nullable: false },
  { name: "date_achat", type: "date", nullable: false },
  { name: "montant", type: "double", nullable: false },
  { name: "produit", type: "string", nullable: false },
];

/** What a silver publish reports (its layer state's summary): per dataset, rows read and kept, rejects per code. */
export interface SilverSummary {
  clients: DatasetSummary;
  achats: DatasetSummary & { orphans: number; q99: number | null };
}

export interface DatasetSummary {
  rows_in: number;
  kept: number;
  /** Rows rejected per code, every code in SPEC's order. */
  rejects: Record<string, number>;
  /** The first rejected rows of each code: their source line and fields as read. */
  samples?: Record<string, { line: number; fields: (string | null)[] }[]>;
}
