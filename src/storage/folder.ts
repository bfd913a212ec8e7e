import { randomBytes } from "node:crypto";
import { closeSync, openSync, writeSync, type Dirent } from "node:fs";
import { copyFile, link, mkdir, readdir, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { StoreError } from "../core/errors.ts";
import { compareCodePoints } from "../core/text-order.ts";
import { readAt, reusedChunks } from "./folder/file-reads.ts";
import { BUCKETS, checkKey, putLocalFile, type Body, type Bucket, type ListPage, type ObjectInfo, type ObjectReader, type ObjectStore, type StoreCapabilities, type StoreHandle, replacedWhileRead } from "./object-store.ts";

/** Partial writes carry this suffix until they are renamed into place; listings skip them. */
const TEMP_SUFFIX = ".elt-tmp";
const DEFAULT_LIMIT = 1000;

/**
 * The embedded default: each bucket is a folder and each key a file under it (`/` makes
 * subfolders). A write goes to a temporary file next to its target and is renamed over it,
 * which POSIX makes atomic, so readers see the old object or the new one, never a part.
 */
export class FolderStore implements ObjectStore {
  readonly location: string;
  readonly capabilities: StoreCapabilities = { atomicCreate: true };
  readonly handle: StoreHandle;

  constructor(readonly root: string) {
    this.location = `folder ${root}`;
    this.handle = { backend: "folder", root };
  }

  async ensureBuckets(buckets: readonly Bucket[] = BUCKETS): Promise<void> {
    for (const bucket of buckets) {
      await this.io(`create bucket ${bucket}`, () => mkdir(join(this.root, bucket), { recursive: true }));
    }
  }

  async missingBuckets(buckets: readonly Bucket[] = BUCKETS): Promise<Bucket[]> {
    const missing: Bucket[] = [];
    for (const bucket of buckets) {
      const info = await this.io(`check bucket ${bucket}`, () => statOrNull(join(this.root, bucket)));
      if (!info?.isDirectory()) missing.push(bucket);
    }
    return missing;
  }

  async put(bucket: Bucket, key: string, body: Body): Promise<ObjectInfo> {
    const path = this.path(bucket, key);
    const temp = tempPath(path);
    await this.io(`write ${bucket}/${key}`, () => inFolder(path, () => renamedOver(path, temp, () => writeBody(temp, body))));
    return this.infoOf(bucket, key, path);
  }

  async putFile(bucket: Bucket, key: string, file: string): Promise<ObjectInfo> {
    const path = this.path(bucket, key);
    const moved = await this.io(`write ${bucket}/${key}`, () =>
      inFolder(path, async () => {
        try {
          await rename(file, path);
          return true;
        } catch (err) {
          if (codeOf(err) === "EXDEV") return false;
          throw err;
        }
      }),
    );
    // Another file system (a staging folder elsewhere): the bytes are copied after all.
    return moved ? this.infoOf(bucket, key, path) : putLocalFile(this, bucket, key, file);
  }

  async putIfAbsent(bucket: Bucket, key: string, body: string): Promise<boolean> {
    const path = this.path(bucket, key);
    const temp = tempPath(path);
    return this.io(`write ${bucket}/${key}`, () =>
      inFolder(path, async () => {
        await Bun.write(temp, body);
        try {
          // A hard link, unlike a rename, fails when the target exists: the whole object or nothing.
          await link(temp, path);
          return true;
        } catch (err) {
          if (codeOf(err) === "EEXIST") return false;
          throw err;
        } finally {
          await rm(temp, { force: true });
        }
      }),
    );
  }

  async get(bucket: Bucket, key: string): Promise<AsyncIterable<Uint8Array>> {
    const path = this.path(bucket, key);
    const info = await this.io(`read ${bucket}/${key}`, () => statOrNull(path));
    if (!info?.isFile()) throw this.notFound(bucket, key);
    return this.guard(`read ${bucket}/${key}`, reusedChunks(path));
  }

  async openReader(bucket: Bucket, key: string): Promise<ObjectReader> {
    const path = this.path(bucket, key);
    const what = `read ${bucket}/${key}`;
    const info = await this.io(what, () => statOrNull(path));
    if (!info?.isFile()) throw this.notFound(bucket, key);
    const opened = { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
    return {
      size: info.size,
      read: (offset, target) =>
        this.io(what, async () => {
          const read = readAt(path, offset, target, opened);
          if (read === null) throw replacedWhileRead(`${bucket}/${key}`);
          return read;
        }),
    };
  }

  async stat(bucket: Bucket, key: string): Promise<ObjectInfo | null> {
    const path = this.path(bucket, key);
    const info = await this.io(`stat ${bucket}/${key}`, () => statOrNull(path));
    return info?.isFile() ? { key, size: info.size, modified: info.mtimeMs } : null;
  }

  async listPage(bucket: Bucket, prefix: string, options: { after?: string; limit?: number } = {}): Promise<ListPage> {
    const { after } = options;
    const limit = Math.max(1, options.limit ?? DEFAULT_LIMIT);
    // Only the folder holding the prefix's last `/` is walked; the rest of the prefix filters.
    const base = prefix.slice(0, prefix.lastIndexOf("/") + 1);
    if (base !== "") checkKey(base.slice(0, -1));
    const items: ObjectInfo[] = [];
    for await (const info of this.walk(bucket, base, prefix, after)) {
      if (items.length === limit) return { items, next: items[limit - 1]!.key };
      items.push(info);
    }
    return { items };
  }

  async copy(fromBucket: Bucket, fromKey: string, toBucket: Bucket, toKey: string): Promise<void> {
    const from = this.path(fromBucket, fromKey);
    const to = this.path(toBucket, toKey);
    const temp = tempPath(to);
    await this.io(`copy ${fromBucket}/${fromKey} to ${toBucket}/${toKey}`, async () => {
      if (!(await statOrNull(from))?.isFile()) throw this.notFound(fromBucket, fromKey);
      // Objects are never written in place (a put renames a new file over the key), so a
      // hard link is a true copy at no cost; file systems without links get a real copy.
      await inFolder(to, () => renamedOver(to, temp, () => link(from, temp).catch(() => copyFile(from, temp))));
    });
  }

  async delete(bucket: Bucket, key: string): Promise<void> {
    const path = this.path(bucket, key);
    await this.io(`delete ${bucket}/${key}`, async () => {
      try {
        await unlink(path);
      } catch (err) {
        // No file there (nothing, or a folder: a key prefix, not an object) is nothing to delete.
        if ((await statOrNull(path))?.isFile()) throw err;
        return;
      }
      // The key's folders go with their last object (a pruned run's, a gold version's, a refused
      // silver's `_refused/<run>/_rejects/`): no empty folders pile up. A writer that finds its
      // folder gone makes it again (inFolder).
      const bucketRoot = join(this.root, bucket);
      for (let folder = dirname(path); folder !== bucketRoot; folder = dirname(folder)) {
        if (!(await rmdir(folder).then(() => true, () => false))) break;
      }
    });
  }

  private path(bucket: Bucket, key: string): string {
    checkKey(key);
    return join(this.root, bucket, key);
  }

  /**
   * Keys in byte order, depth first. Sorting a folder's entries with `/` appended to
   * subfolder names makes the depth-first order the byte order of whole keys, and lets a
   * subfolder whose keys all sort before `after` be skipped without reading it.
   */
  private async *walk(bucket: Bucket, base: string, prefix: string, after?: string): AsyncGenerator<ObjectInfo> {
    const dir = join(this.root, bucket, base);
    const entries = await this.io(`list ${bucket}/${prefix}`, () => readdirOrEmpty(dir));
    const named = entries
      .filter((e) => !e.name.endsWith(TEMP_SUFFIX))
      .map((e) => ({ entry: e, key: base + e.name + (e.isDirectory() ? "/" : "") }))
      .sort((a, b) => compareCodePoints(a.key, b.key));
    for (const { entry, key } of named) {
      if (entry.isDirectory()) {
        if (!key.startsWith(prefix) && !prefix.startsWith(key)) continue;
        if (after !== undefined && !after.startsWith(key) && compareCodePoints(key, after) < 0) continue;
        yield* this.walk(bucket, key, prefix, after);
      } else if (entry.isFile() && key.startsWith(prefix) && (after === undefined || compareCodePoints(key, after) > 0)) {
        // A file deleted since the folder was read is simply not listed.
        const info = await this.io(`list ${bucket}/${prefix}`, () => statOrNull(join(dir, entry.name)));
        if (info) yield { key, size: info.size, modified: info.mtimeMs };
      }
    }
  }

  private async infoOf(bucket: Bucket, key: string, path: string): Promise<ObjectInfo> {
    const info = await this.io(`stat ${bucket}/${key}`, () => stat(path));
    return { key, size: info.size, modified: info.mtimeMs };
  }

  private notFound(bucket: Bucket, key: string): StoreError {
    return new StoreError("not_found", `${bucket}/${key} does not exist in ${this.location}`);
  }

  /** Runs a file-system step, turning its failure into a StoreError that names what failed. */
  private async io<T>(what: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      throw this.storeError(what, err);
    }
  }

  private async *guard(what: string, chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    try {
      yield* chunks;
    } catch (err) {
      throw this.storeError(what, err);
    }
  }

  /**
   * System errors (an errno code) become StoreErrors; anything else, such as the caller's
   * body failing mid-stream or a bad key, goes through as it is.
   */
  private storeError(what: string, err: unknown): unknown {
    const code = codeOf(err);
    if (code === undefined || !/^E[A-Z]+$/.test(code)) return err;
    const message = `cannot ${what} in ${this.location}: ${code}`;
    if (code === "ENOENT") return new StoreError("not_found", message, { cause: err });
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") return new StoreError("access_denied", message, { cause: err });
    return new StoreError("failed", message, { cause: err });
  }
}

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`);
}

async function writeBody(path: string, body: Body): Promise<void> {
  if (typeof body === "string" || body instanceof Uint8Array) {
    await Bun.write(path, body);
    return;
  }
  // Each chunk is written before the next is asked for, as a body may reuse its buffer; a
  // local write is shorter than the hop to a thread pool.
  const fd = openSync(path, "w");
  try {
    for await (const chunk of body) {
      for (let at = 0; at < chunk.byteLength; ) at += writeSync(fd, chunk, at);
    }
  } finally {
    closeSync(fd);
  }
}

/** `fill` writes `temp`, which then replaces `path` whole; one that fails is removed. */
async function renamedOver(path: string, temp: string, fill: () => Promise<void>): Promise<void> {
  try {
    await fill();
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Tries at writing into a folder that deletes may remove meanwhile. */
const FOLDER_TRIES = 5;

/**
 * Runs `write` into `path`'s folder, made first. A delete that empties folders removes them,
 * up to the bucket; one that did so while the folders were being made (mkdir then meets a
 * parent gone, ENOENT, or half made, EEXIST) or before the write is met by making them again.
 * Each writer opens its file before it reads its body, so a missing folder fails it before
 * any byte is taken.
 */
async function inFolder<T>(path: string, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const last = attempt === FOLDER_TRIES;
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (err) {
      const code = codeOf(err);
      if ((code !== "ENOENT" && code !== "EEXIST") || last) throw err;
      continue;
    }
    try {
      return await write();
    } catch (err) {
      if (codeOf(err) !== "ENOENT" || last) throw err;
    }
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    if (codeOf(err) === "ENOENT" || codeOf(err) === "ENOTDIR") return null;
    throw err;
  }
}

async function readdirOrEmpty(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (codeOf(err) === "ENOENT" || codeOf(err) === "ENOTDIR") return [];
    throw err;
  }
}
