/**
 * An index, sorted and written on another core while the main thread writes the next tables:
 * started with its table and sent `{ setup }` (the file and the page numbers it shares with
 * the other writers), then `{ build }` once the table's rows are in (the keys collected by
 * index-keys.ts, their chunks transferred), it writes the index's b-tree into the file and
 * answers `{ root, unused }` or `{ error }`.
 */
import { errorLine } from "../../../core/errors.ts";
import { PageFile, PageNumbers, type FreeRun } from "./page-file.ts";
import { writeIndex } from "./index-build.ts";
import type { KeyValues } from "./index-keys.ts";
import { NarrowIntegers, type IntegerParts } from "./narrow-integers.ts";

declare const self: Worker;

export interface IndexSetup {
  path: string;
  pageSize: number;
  /** PageNumbers' shared counter. */
  numbers: Int32Array<SharedArrayBuffer>;
}

export interface IndexBuild {
  /** The table's rowids, rising. */
  rowids: IntegerParts;
  /** Each index's key columns: the indexes this worker writes, one after the other. */
  indexes: KeyValues[][];
}

export type IndexMessage = { setup: IndexSetup } | { build: IndexBuild };

export type IndexAnswer = { roots: number[]; unused: FreeRun[] } | { error: string };

let setup: IndexSetup | undefined;

self.onmessage = async (event: MessageEvent<IndexMessage>) => {
  const message = event.data;
  if ("setup" in message) {
    setup = message.setup;
    return;
  }
  try {
    const { path, pageSize, numbers } = setup!;
    const { rowids, indexes } = message.build;
    const pages = new PageFile(path, pageSize, new PageNumbers(numbers), "r+");
    try {
      const ids = NarrowIntegers.of(rowids);
      const roots = indexes.map((keys) => writeIndex(keys, ids, pages));
      self.postMessage({ roots, unused: await pages.finish() } satisfies IndexAnswer);
    } finally {
      pages.discard();
    }
  } catch (err) {
    self.postMessage({ error: errorLine(err) } satisfies IndexAnswer);
  }
};
