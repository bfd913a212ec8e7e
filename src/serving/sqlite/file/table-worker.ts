/**
 * Leaf pages of the tables that grow with the purchases, written on another core while the main
 * thread reads the gold files, one table after another: sent a TableJob, then batches
 * (batch-wire.ts) with their rowids, then `{ finish: true }`, it writes each batch's rows into
 * leaves of their own, in the same file, on page numbers shared with the other writers. It
 * notes each batch's leaves (`{ note: BatchLeaves }`) and, at the table's end, the pages it
 * reserved and did not use (`{ note: TableDone }`); then the next table's job may come. A
 * failure is its answer, `{ error }`, after which it takes nothing more.
 */
import type { ColumnType } from "../../../contract/columns.ts";
import { errorLine } from "../../../core/errors.ts";
import type { LeafRun } from "./btree.ts";
import { PageFile, PageNumbers, type FreeRun } from "./page-file.ts";
import { fromWire, type WireBatch } from "./batch-wire.ts";
import { LeafWriter } from "./table-load.ts";

declare const self: Worker;

export interface TableJob {
  path: string;
  pageSize: number;
  /** PageNumbers' shared counter. */
  numbers: Int32Array<SharedArrayBuffer>;
  types: readonly ColumnType[];
  rowidColumn: number;
}

/** A batch's leaves, by the batch's number in the table. */
export interface BatchLeaves {
  batch: number;
  leaves: LeafRun;
}

/** A table's end: the pages its writer reserved and did not use. */
export interface TableDone {
  unused: FreeRun[];
}

export type TableMessage = { job: TableJob } | { batch: number; rows: WireBatch; rowids: Float64Array } | { finish: true };

export type TableAnswer = { error: string };

let pages: PageFile | undefined;
let leaves: LeafWriter | undefined;
let failed = false;
/** Messages are handled one after the other: a table's end waits for the disk, and the next table's notes must follow its own. */
let handled = Promise.resolve();

self.onmessage = (event: MessageEvent<TableMessage>) => {
  handled = handled.then(() => handle(event.data));
};

async function handle(message: TableMessage): Promise<void> {
  // After an error only the answer counts: what else was sent is dropped.
  if (failed) return;
  try {
    if ("job" in message) {
      const { path, pageSize, numbers, types, rowidColumn } = message.job;
      pages = new PageFile(path, pageSize, new PageNumbers(numbers), "r+");
      leaves = new LeafWriter(pages, types, rowidColumn);
    } else if ("rows" in message) {
      leaves!.write(message.rows.rowCount, fromWire(message.rows), message.rowids);
      self.postMessage({ note: { batch: message.batch, leaves: leaves!.endRun() } satisfies BatchLeaves });
    } else {
      const unused = await pages!.finish();
      const done = pages!;
      // Cleared first, so that a failing discard is not tried again below, nor the next table written with this one's writer.
      pages = undefined;
      leaves = undefined;
      done.discard();
      self.postMessage({ note: { unused } satisfies TableDone });
    }
  } catch (err) {
    failed = true;
    const open = pages;
    pages = undefined;
    open?.discard();
    self.postMessage({ error: errorLine(err) } satisfies TableAnswer);
  }
}
