import { ACHAT_COLUMNS, CLIENT_COLUMNS } from "./silver/types.ts";

/** The two source datasets: their file name in the sources folder and their exact header. */
export const DATASETS = {
  clients: { file: "clients.csv", header: CLIENT_COLUMNS },
  achats: { file: "achats.csv", header: ACHAT_COLUMNS },
} as const;

export type Dataset = keyof typeof DATASETS;
export const DATASET_NAMES = Object.keys(DATASETS) as Dataset[];
