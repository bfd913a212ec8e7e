import { expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config/environment.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { openObjectStore } from "../../src/storage/open.ts";
import { S3Store } from "../../src/storage/s3.ts";

test("without MINIO_ENDPOINT the store is the folder $ELT_HOME/lake", async () => {
  const store = await openObjectStore(loadConfig({ ELT_HOME: "/tmp/elt-home" }));
  expect(store).toBeInstanceOf(FolderStore);
  expect(store.location).toBe(`folder ${join("/tmp/elt-home", "lake")}`);
});

test("with MINIO_ENDPOINT it is that S3 endpoint", async () => {
  const store = await openObjectStore(
    loadConfig({ MINIO_ENDPOINT: "localhost:9000", MINIO_ACCESS_KEY: "minioadmin", MINIO_SECRET_KEY: "minioadmin" }),
  );
  expect(store).toBeInstanceOf(S3Store);
  expect(store.location).toBe("s3 http://localhost:9000");
});
