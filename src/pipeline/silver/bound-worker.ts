/**
 * Silver's first pass over the purchases (their outlier bound) on a second core, while the
 * main thread cleans the clients: it is sent `{ path, rows }` of the local bronze copy and
 * answers `{ bound }`, or `{ failed: true }` and the main thread redoes the pass itself to
 * report the error as it would have.
 */
import { localFileChunks } from "../../storage/file-chunks.ts";
import { outlierBound } from "./amounts.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ path: string; rows: number }>) => {
  const { path, rows } = event.data;
  outlierBound(localFileChunks(path), rows).then(
    (bound) => self.postMessage({ bound }),
    () => self.postMessage({ failed: true }),
  );
};
