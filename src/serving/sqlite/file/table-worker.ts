/**
 * A table that grows with the purchases, written on another core while the main thread reads
 * the gold files and writes the other tables: sent a TableJob, then its batches (batch-wire.ts),
 * then `{ finish: true }`, it writes the table's pages into the same file, on page numbers
 * shared with the other writers, noting each batch taken (`{ note: "batch" }`), and answers
 * with the table's root and its index keys for the index workers, or `{ error }`.
 */
import type { ColumnType } from "../../../contract/columns.ts";
import type { ChunkedParts } from "../../../columnar/growable.ts";
import { errorLine } from "../../../core/errors.ts";
import { PageFile, PageNumbers, type FreeRun } from "./btree.ts";
import { fromWire, type WireBatch } from "./batch-wire.ts";
import type { IndexDef, KeyValues } from "./index-keys.ts";
import { TableLoad, type RowidColumn } from "./table-load.ts";

declare const self: Worker;

export interface TableJob {
  path: string;
  pageSize: number;
  /** PageNumbers' shared counter. */
  numbers: Int32Array<SharedArrayBuffer>;
  types: readonly ColumnType[];
  rowid: RowidColumn;
  indexes: readonly IndexDef[];
}

export type TableMessage = { job: TableJob } | { batch: WireBatch } | { finish: true };

export type TableAnswer =
  | { root: number; count: number; keys: KeyValues[][]; rowids: ChunkedParts<Float64Array>; unused: FreeRun[] }
  | { error: string };

let pages: PageFile | undefined;
let load: TableLoad | undefined;
let failed = false;

self.onmessage = async (event: MessageEvent<TableMessage>) => {
  // After an error only the answer counts: what else was sent is dropped.
  if (failed) return;
  try {
    const message = event.data;
    if ("job" in message) {
      const { path, pageSize, numbers, types, rowid, indexes } = message.job;
      pages = new PageFile(path, pageSize, new PageNumbers(numbers), "r+");
      load = new TableLoad(pages, types, rowid, indexes);
    } else if ("batch" in message) {
      load!.push(message.batch.rowCount, fromWire(message.batch));
      self.postMessage({ note: "batch" });
    } else {
      const { root, keys, rowids } = load!.finish();
      const unused = await pages!.finish();
      pages!.discard();
      const handed = keys.map((index) => index.handOff());
      const moved = handed.flat().flatMap((k): (Float64Array | Uint32Array)[] => (k.text ? k.ids.chunks : k.numbers.chunks));
      self.postMessage({ root, count: load!.count, keys: handed, rowids: rowids.parts(), unused } satisfies TableAnswer, moved.map((chunk) => chunk.buffer as ArrayBuffer));
    }
  } catch (err) {
    failed = true;
    pages?.discard();
    self.postMessage({ error: errorLine(err) } satisfies TableAnswer);
  }
};
