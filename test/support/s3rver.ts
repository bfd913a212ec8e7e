import { mkdir, mkdtemp, open, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { S3Config } from "../../src/config/environment.ts";

interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections(): void };
}
type S3rverClass = new (options: { address: string; port: number; silent: boolean; directory: string }) => S3rverServer;

const require = createRequire(import.meta.url);

// s3rver signs list continuation tokens with the cipher OpenSSL calls "des", the short name
// of "des-cbc"; Bun knows only the long name, so truncated listings would fail with a 500.
const crypto = require("node:crypto") as typeof import("node:crypto");
for (const name of ["createCipheriv", "createDecipheriv"] as const) {
  const original = crypto[name] as (algorithm: string, ...rest: unknown[]) => unknown;
  (crypto as Record<string, unknown>)[name] = (algorithm: string, ...rest: unknown[]) =>
    original(algorithm === "des" ? "des-cbc" : algorithm, ...rest);
}

// s3rver lists keys in the order its folder walk meets them, relying on Node's readdir coming
// back sorted; Bun's comes in directory order, which would shuffle listings and break paging.
const fs = require("node:fs") as typeof import("node:fs");
const readdirSync = fs.readdirSync as (...args: unknown[]) => unknown[];
(fs as Record<string, unknown>).readdirSync = (...args: unknown[]) => {
  const names = readdirSync(...args);
  return names.every((n) => typeof n === "string") ? (names as string[]).sort() : names;
};

// s3rver answers a PUT before the bytes reach the object's file, which it truncates and
// rewrites in place: a GET may then read a short object, and two quick PUTs of one key may
// interleave into a corrupt one. S3 stores a PUT whole or not at all, and so does this.
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
}
interface S3Object {
  bucket: string;
  key: string;
  content: Buffer | AsyncIterable<Buffer>;
  metadata: unknown;
}
const store = require("s3rver/lib/stores/filesystem.js") as { prototype: Record<string, unknown> };
store.prototype.putObject = async function (this: FilesystemStore, object: S3Object) {
  const path = this.getResourcePath(object.bucket, object.key, "object");
  // Not named like an object, so listings never show it.
  const partial = `${path}.${crypto.randomUUID()}.partial`;
  const md5 = crypto.createHash("md5");
  let size = 0;
  await mkdir(dirname(path), { recursive: true });
  const file = await open(partial, "w");
  try {
    for await (const chunk of Buffer.isBuffer(object.content) ? [object.content] : object.content) {
      md5.update(chunk);
      size += chunk.length;
      await file.write(chunk);
    }
    await file.close();
    await rename(partial, path);
  } catch (err) {
    await file.close().catch(() => {});
    await rm(partial, { force: true });
    throw err;
  }
  const digest = md5.digest("hex");
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
};

// s3rver ships no types; this is the little of it the tests use.
const S3rver = require("s3rver") as S3rverClass;

export interface RunningS3rver {
  /** Client settings for it: s3rver knows one key pair, S3RVER / S3RVER. */
  config: S3Config;
  /** Goes down as a crashed server would: open connections are cut, the stored data stays. */
  halt(): Promise<void>;
  /** Serves the same data on the same port again after `halt`. */
  restart(): Promise<void>;
  /** Goes down for good and deletes the data. */
  stop(): Promise<void>;
}

/** An S3 server in this process, on 127.0.0.1 and a free port, storing in a fresh temp folder. */
export async function startS3rver(): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), "elt-s3rver-"));
  const listen = async (port: number) => {
    const server = new S3rver({ address: "127.0.0.1", port, silent: true, directory });
    return { server, port: (await server.run()).port };
  };
  const first = await listen(0);
  let server: S3rverServer | null = first.server;
  let stopped = false;
  const halt = async () => {
    if (!server) return;
    const running = server;
    server = null;
    running.httpServer?.closeAllConnections();
    await running.close();
  };
  return {
    config: { endPoint: "127.0.0.1", port: first.port, useSSL: false, accessKey: "S3RVER", secretKey: "S3RVER" },
    halt,
    async restart() {
      if (stopped || server) return;
      // A fresh instance: a closed one has shut its logger down.
      server = (await listen(first.port)).server;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
