import { UsageError, isNotFound } from "../errors.ts";

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

export interface ObjectStore {
  /** "folder /abs/path" or "s3 http://host:9000": what a user sees in summaries. */
  readonly location: string;
  /** Creates the buckets that do not exist yet. */
  ensureBuckets(buckets?: readonly Bucket[]): Promise<void>;
  /** The buckets that do not exist yet; throws StoreError when the store cannot answer. */
  missingBuckets(buckets?: readonly Bucket[]): Promise<Bucket[]>;
  /** Writes a whole object: a reader sees the previous object or this one, never a partial one. */
  put(bucket: Bucket, key: string, body: Body): Promise<ObjectInfo>;
  /**
   * Writes a small object only if the key has none, atomically against any other writer;
   * false when one exists. Left out by stores that cannot promise it (S3 servers differ).
   */
  putIfAbsent?(bucket: Bucket, key: string, body: string): Promise<boolean>;
  /**
   * Moves a local file in as an object (the file is gone afterwards), for stores that can do it
   * without copying the bytes; others take the file as a body with put.
   */
  putFile?(bucket: Bucket, key: string, path: string): Promise<ObjectInfo>;
  /** Where an object lies on this machine, for stores that keep objects as local files. */
  localPath?(bucket: Bucket, key: string): string;
  /** Streams an object (optionally a byte range). Throws StoreError "not_found". */
  get(bucket: Bucket, key: string, range?: { offset: number; length: number }): Promise<AsyncIterable<Uint8Array>>;
  /** Metadata of an object, or null when there is none. */
  stat(bucket: Bucket, key: string): Promise<ObjectInfo | null>;
  /** One page of keys under a prefix, in key order. */
  listPage(bucket: Bucket, prefix: string, options?: { after?: string; limit?: number }): Promise<ListPage>;
  copy(fromBucket: Bucket, fromKey: string, toBucket: Bucket, toKey: string): Promise<void>;
  /** Deleting a missing key is not an error. */
  delete(bucket: Bucket, key: string): Promise<void>;
  close?(): Promise<void>;
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
    chunks.push(chunk);
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
