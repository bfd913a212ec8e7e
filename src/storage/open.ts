import { join } from "node:path";
import type { S3Config } from "./store-settings.ts";
import type { ObjectStore, StoreHandle } from "./object-store.ts";

/** The object store a configuration names: its S3 endpoint, else folders under ELT_HOME. */
export function openObjectStore(config: { home: string; s3?: S3Config }): Promise<ObjectStore> {
  return openStoreHandle(config.s3 ? { backend: "s3", config: config.s3 } : { backend: "folder", root: join(config.home, "lake") });
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
