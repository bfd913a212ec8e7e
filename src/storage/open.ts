import { join } from "node:path";
import type { Config } from "../config.ts";
import type { ObjectStore } from "./object-store.ts";

/**
 * The object store a configuration names: its S3 endpoint, else folders under ELT_HOME.
 * Backends load on demand so the embedded default never pays for the S3 client.
 */
export async function openObjectStore(config: Config): Promise<ObjectStore> {
  if (config.s3) {
    const { S3Store } = await import("./s3.ts");
    return new S3Store(config.s3);
  }
  const { FolderStore } = await import("./folder.ts");
  return new FolderStore(join(config.home, "lake"));
}
