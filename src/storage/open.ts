import { join } from "node:path";
import type { S3Config } from "./store-settings.ts";
import type { ObjectStore, StoreHandle } from "./object-store.ts";

/**
 * The object store a configuration names: its S3 endpoint, else folders under ELT_HOME.
 * `retryBudgetMs` shortens the retry budget for a command that only looks (a run waits out
 * an outage; `elt runs` on a frozen server should answer within seconds).
 */
export function openObjectStore(config: { home: string; s3?: S3Config }, options: { retryBudgetMs?: number } = {}): Promise<ObjectStore> {
  if (!config.s3) return openStoreHandle({ backend: "folder", root: join(config.home, "lake") });
  const { retryBudgetMs } = options;
  const s3 = retryBudgetMs === undefined ? config.s3 : { ...config.s3, retryMs: Math.min(config.s3.retryMs ?? retryBudgetMs, retryBudgetMs) };
  return openStoreHandle({ backend: "s3", config: s3 });
}

/**
 * The store a handle names, as `store.handle` gave it (a worker opens its caller's store so).
 * Backends load on demand so the embedded default never pays for the S3 client.
 */
export async function openStoreHandle(handle: StoreHandle): Promise<ObjectStore> {
  if (handle.backend === "s3") {
    const { S3Store } = await import("./s3.ts");
    return new S3Store(handle.config);
  }
  const { FolderStore } = await import("./folder.ts");
  return new FolderStore(handle.root);
}
