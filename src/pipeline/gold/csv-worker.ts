/**
 * Gold's biggest CSV files, encoded on a second core while the main thread writes the rest:
 * sent `{ jobs: [{ name, data, path }] }`, the tables' data in shared memory (big-tables.ts),
 * it writes each table's CSV to its local path and answers `{ done: true }` or `{ error }`.
 */
import { errorLine } from "../../errors.ts";
import { StagedFile } from "../staging.ts";
import { BIG_TABLES, receivedTableData, type BigTableData, type BigTableName } from "./big-tables.ts";
import { tableCsvChunks } from "../../formats/csv-writer/table.ts";
import type { GoldTable } from "./gold-table.ts";

declare const self: Worker;

export interface CsvJob {
  name: BigTableName;
  data: BigTableData;
  path: string;
}

self.onmessage = (event: MessageEvent<{ jobs: CsvJob[] }>) => {
  try {
    for (const { name, data, path } of event.data.jobs) writeCsv(BIG_TABLES[name](receivedTableData(data)), path);
    self.postMessage({ done: true });
  } catch (err) {
    self.postMessage({ error: errorLine(err) });
  }
};

function writeCsv(table: GoldTable, path: string): void {
  const file = new StagedFile(path);
  try {
    for (const chunk of tableCsvChunks(table)) file.write(chunk);
  } finally {
    file.close();
  }
}
