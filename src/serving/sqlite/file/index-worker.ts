/**
 * An index, sorted and written on another core while the main thread writes the next tables:
 * sent an IndexJob (the keys collected by index-keys.ts, their chunks transferred), it writes
 * the index's b-tree into the same file, on pages numbered from the numbers it shares with the
 * main thread and the other index workers, and answers `{ root, unused }` or `{ error }`.
 */
import { ChunkedNumbers, type ChunkedParts } from "../../../columnar/growable.ts";
import { errorLine } from "../../../core/errors.ts";
import { PageFile, PageNumbers, type FreeRun } from "./btree.ts";
import { writeIndex } from "./index-build.ts";
import type { KeyValues } from "./index-keys.ts";

declare const self: Worker;

export interface IndexJob {
  path: string;
  pageSize: number;
  /** PageNumbers' shared counter. */
  numbers: Int32Array<SharedArrayBuffer>;
  /** The table's rowids, rising. */
  rowids: ChunkedParts<Float64Array>;
  /** The index's key columns. */
  keys: KeyValues[];
}

export type IndexAnswer = { root: number; unused: FreeRun[] } | { error: string };

self.onmessage = async (event: MessageEvent<IndexJob>) => {
  try {
    const { path, pageSize, numbers, rowids, keys } = event.data;
    const pages = new PageFile(path, pageSize, new PageNumbers(numbers), "r+");
    try {
      const root = writeIndex(keys, ChunkedNumbers.of(rowids, (n) => new Float64Array(n)), pages);
      self.postMessage({ root, unused: await pages.finish() } satisfies IndexAnswer);
    } finally {
      pages.discard();
    }
  } catch (err) {
    self.postMessage({ error: errorLine(err) } satisfies IndexAnswer);
  }
};
