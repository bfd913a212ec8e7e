/**
 * Silver's first pass over the purchases (their outlier bound) on a second core, while the
 * main thread cleans the clients: it is sent the store's handle, the bronze copy's key and its
 * rows, and answers `{ bound }`, or `{ failed: true }` and the main thread redoes the pass
 * itself to report the error as it would have.
 */
import type { StoreHandle } from "../../storage/object-store.ts";
import { openStoreHandle } from "../../storage/open.ts";
import { outlierBound } from "./amounts.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ store: StoreHandle; key: string; rows: number }>) => {
  const { store, key, rows } = event.data;
  openStoreHandle(store)
    .then(async (opened) => outlierBound(await opened.get("bronze", key), rows))
    .then(
      (bound) => self.postMessage({ bound }),
      () => self.postMessage({ failed: true }),
    );
};
