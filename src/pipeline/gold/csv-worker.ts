/**
 * Gold's biggest CSV files, encoded on a second core while the main thread writes the rest:
 * sent `{ jobs: [{ name, data, path }] }`, the tables' data in shared memory
 * (state/shared-data.ts), it writes each table's CSV to its local path and answers
 * `{ done: true }` or `{ error }`.
 */
import { errorLine } from "../../core/errors.ts";
import { StagedFile } from "../staging.ts";
import { receivedTableData, type SharedTableData } from "./state/shared-data.ts";
import { factTable } from "./tables/facts.ts";
import { dimClientsTable } from "./tables/dimensions.ts";
import { tableCsvChunks } from "../../formats/csv-writer/table.ts";
import type { GoldTable } from "./tables/built-table.ts";

declare const self: Worker;

/** The tables built from SharedTableData alone, by name: how the worker rebuilds one. */
const SHARED_TABLES = { fact_achats: factTable, dim_clients: dimClientsTable } as const;
export type SharedTableName = keyof typeof SHARED_TABLES;

export interface CsvJob {
  name: SharedTableName;
  data: SharedTableData;
  path: string;
}

self.onmessage = (event: MessageEvent<{ jobs: CsvJob[] }>) => {
  try {
    for (const { name, data, path } of event.data.jobs) writeCsv(SHARED_TABLES[name](receivedTableData(data)), path);
    self.postMessage({ done: true });
  } catch (err) {
    self.postMessage({ error: errorLine(err) });
  }
};

function writeCsv(table: GoldTable, path: string): void {
  // Direct: nothing reads a CSV back, and at 10M purchases they are over a gigabyte.
  const file = new StagedFile(path, { direct: true });
  try {
    for (const chunk of tableCsvChunks(table)) file.write(chunk);
  } finally {
    file.close();
  }
}
