import { rm } from "node:fs/promises";
import type { S3Config } from "./store-settings.ts";
import { StoreError, UsageError, isNotFound } from "../core/errors.ts";

/**
 * The seam between the pipeline and where its objects live. Layers only ever see this
 * interface; `open.ts` picks the backend once from the configuration.
 */

export { BUCKETS, type Bucket } from "../contract/lake.ts";
import type { Bucket } from "../contract/lake.ts";

export interface ObjectInfo {
  key: string;
  size: number;
  /** Last modification time, ms since the epoch. */
  modified: number;
  etag?: string;
}

export interface ListPage {
  items: ObjectInfo[];
  /** Pass as `after` to get the next page; absent on the last page. */
  next?: string;
}

/**
 * A body to store: whole bytes, text, or a stream of chunks (streamed, never buffered whole).
 * A stream may reuse its buffer, so a chunk is only valid until the next one is asked for: a
 * store that keeps chunks longer copies them.
 */
export type Body = Uint8Array | string | AsyncIterable<Uint8Array>;

/**
 * Random access to one object: what a Parquet reader needs (a footer, then column chunks).
 * Opening checks the object exists; each read then goes to the store.
 */
export interface ObjectReader {
  /** The object's size when it was opened. */
  readonly size: number;
  /**
   * Fills `target` with the bytes from `offset` on and says how many there were: fewer than
   * `target.length` only where the object ends. Throws StoreError "not_found" once it is gone,
   * and `replacedWhileRead`'s error once it was written again: every byte a reader hands out
   * is of the version it opened.
   */
  read(offset: number, target: Uint8Array): Promise<number>;
}

/**
 * A reader's read after its object was written again (another process published it): refused,
 * since the bytes would not go with those read before. Worth another attempt: a new reader
 * reads the new version whole.
 */
export function replacedWhileRead(subject: string): StoreError {
  return new StoreError("failed", `${subject} was written again while it was being read: read it again`);
}

/** What a store can promise beyond the interface, for callers whose algorithm depends on it. */
export interface StoreCapabilities {
  /** putIfAbsent is atomic against any other writer (S3 servers differ, so S3 says no). */
  readonly atomicCreate: boolean;
}

/** The store as plain data, from which another thread (a worker) opens it again: see open.ts. */
export type StoreHandle = { readonly backend: "folder"; readonly root: string } | { readonly backend: "s3"; readonly config: S3Config };

export interface ObjectStore {
  /** "folder /abs/path" or "s3 http://host:9000": what a user sees in summaries. */
  readonly location: string;
  readonly capabilities: StoreCapabilities;
  readonly handle: StoreHandle;
  /** Creates the buckets that do not exist yet. */
  ensureBuckets(buckets?: readonly Bucket[]): Promise<void>;
  /** The buckets that do not exist yet; throws StoreError when the store cannot answer. */
  missingBuckets(buckets?: readonly Bucket[]): Promise<Bucket[]>;
  /** Writes a whole object: a reader sees the previous object or this one, never a partial one. */
  put(bucket: Bucket, key: string, body: Body): Promise<ObjectInfo>;
  /**
   * Writes a small object only if the key has none; false when one exists. Atomic against any
   * other writer only where `capabilities.atomicCreate` says so: otherwise a check then a put,
   * which two writers can both pass.
   */
  putIfAbsent(bucket: Bucket, key: string, body: string): Promise<boolean>;
  /**
   * Takes a local file in as an object; the file is gone afterwards. A store that can move it
   * without copying the bytes does; the others stream it with `putLocalFile`.
   */
  putFile(bucket: Bucket, key: string, path: string): Promise<ObjectInfo>;
  /**
   * Streams a whole object. As a Body's, a chunk is only valid until the next one is asked for
   * (a store may read into one buffer): a reader keeps a copy of what it keeps. Throws
   * StoreError "not_found".
   */
  get(bucket: Bucket, key: string): Promise<AsyncIterable<Uint8Array>>;
  /** Opens an object for reads at any offset. Throws StoreError "not_found". */
  openReader(bucket: Bucket, key: string): Promise<ObjectReader>;
  /** Metadata of an object, or null when there is none. */
  stat(bucket: Bucket, key: string): Promise<ObjectInfo | null>;
  /** One page of keys under a prefix, in key order. */
  listPage(bucket: Bucket, prefix: string, options?: { after?: string; limit?: number }): Promise<ListPage>;
  copy(fromBucket: Bucket, fromKey: string, toBucket: Bucket, toKey: string): Promise<void>;
  /** Deleting a missing key is not an error. */
  delete(bucket: Bucket, key: string): Promise<void>;
  close?(): Promise<void>;
}

/** putFile for a store that cannot move a file in: the file is streamed as a body, then removed. */
export async function putLocalFile(store: ObjectStore, bucket: Bucket, key: string, path: string): Promise<ObjectInfo> {
  const info = await store.put(bucket, key, Bun.file(path).stream());
  await rm(path, { force: true });
  return info;
}

/**
 * A key is a `/`-separated path with no empty, `.` or `..` segment, so that every backend can
 * map it to a file inside its bucket, and all backends accept the same keys.
 */
export function checkKey(key: string): void {
  for (const segment of key.split("/")) {
    if (segment === "" || segment === "." || segment === ".." || segment.includes("\0")) {
      throw new UsageError(`invalid object key "${key}": expected a relative path like "dir/name.csv" (no empty, "." or ".." part)`);
    }
  }
}

/** Every key under a prefix, following pages. */
export async function* listAll(store: ObjectStore, bucket: Bucket, prefix: string): AsyncIterable<ObjectInfo> {
  let after: string | undefined;
  do {
    const page = await store.listPage(bucket, prefix, { after });
    yield* page.items;
    after = page.next;
  } while (after !== undefined);
}

export async function readBytes(store: ObjectStore, bucket: Bucket, key: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of await store.get(bucket, key)) {
    chunks.push(chunk.slice());
    size += chunk.byteLength;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export async function readText(store: ObjectStore, bucket: Bucket, key: string): Promise<string> {
  return new TextDecoder().decode(await readBytes(store, bucket, key));
}

export async function readJson<T = unknown>(store: ObjectStore, bucket: Bucket, key: string): Promise<T> {
  return JSON.parse(await readText(store, bucket, key)) as T;
}

/** A JSON object, or null when the key does not exist. */
export async function readJsonOrNull<T>(store: ObjectStore, bucket: Bucket, key: string): Promise<T | null> {
  try {
    return await readJson<T>(store, bucket, key);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
