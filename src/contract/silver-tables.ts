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
  clients: { rows_in: number; kept: number; rejects: Record<string, number> };
  achats: { rows_in: number; kept: number; rejects: Record<string, number>; orphans: number; q99: number | null };
}
