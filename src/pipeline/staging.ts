import { constants, ftruncateSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Bucket, ObjectStore } from "../storage/object-store.ts";
import { DIRECT_ALIGNMENT, DirectFile } from "../core/direct-file.ts";

/** Every staging area of a lake lives in this folder of its home. */
const stagingRoot = (home: string) => join(home, "tmp");

/**
 * Removes every staging area. Only for a holder of the lake's lock: then no other run is
 * staging, so what is there was left by a killed run.
 */
export async function clearStaging(home: string): Promise<void> {
  await rm(stagingRoot(home), { recursive: true, force: true });
}

/**
 * Outputs are written to local staging files first and published only when the whole layer
 * succeeded, so a failure half-way (bad bytes at line 900,000, a dead store) never leaves a
 * partial or mixed output behind, and memory stays flat whatever the output size.
 */
export class Staging {
  readonly #files: StagedFile[] = [];

  private constructor(readonly dir: string) {}

  static async create(home: string, runId: string, name: string): Promise<Staging> {
    const dir = join(stagingRoot(home), `${runId}-${name}`);
    await mkdir(dir, { recursive: true });
    return new Staging(dir);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  file(name: string): StagedFile {
    const file = new StagedFile(this.path(name));
    this.#files.push(file);
    return file;
  }

  /** Publishes a closed staged file under a key: moved in when the store can, else streamed. */
  async publish(name: string, store: ObjectStore, bucket: Bucket, key: string): Promise<void> {
    await store.putFile(bucket, key, this.path(name));
  }

  /** Removes the staging folder, closing what a failure left open. */
  async dispose(): Promise<void> {
    for (const file of this.#files) file.close({ discard: true });
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Bytes collected before a write to the file: a multiple of DIRECT_ALIGNMENT. */
const BUFFER_BYTES = 1 << 20;

/**
 * A staged file written synchronously through a buffer: what write() is given is copied or
 * written before it returns, so a caller can reuse its buffers (a Parquet writer's blocks),
 * and a local write is shorter than a hop to another thread. A `direct` file skips the page
 * cache (core/direct-file.ts): for a big output no step reads back, such as gold's CSVs.
 */
export class StagedFile {
  readonly #file: DirectFile;
  readonly #buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  #at = 0;
  /** Bytes in the file so far. */
  #written = 0;
  #open = true;

  constructor(
    readonly path: string,
    { direct = false } = {},
  ) {
    this.#file = new DirectFile(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, direct);
  }

  /** Whether the file still skips the page cache. */
  get direct(): boolean {
    return this.#file.direct;
  }

  write(data: string | Uint8Array): void {
    if (typeof data === "string") {
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      if (this.#at + data.length * 3 > this.#buffer.length) this.#flush();
      if (this.#at + data.length * 3 > this.#buffer.length) this.#writeOut(Buffer.from(data));
      else this.#at += this.#buffer.write(data, this.#at);
      return;
    }
    if (this.#at + data.length > this.#buffer.length) this.#flush();
    if (data.length > this.#buffer.length >> 1) this.#writeOut(data);
    else {
      this.#buffer.set(data, this.#at);
      this.#at += data.length;
    }
  }

  /** Writes what is buffered and closes the file; `discard` only closes it (it is to be deleted). */
  close({ discard = false } = {}): void {
    if (!this.#open) return;
    this.#open = false;
    try {
      if (!discard) this.#finish();
    } finally {
      this.#file.close();
    }
  }

  /** Writes the buffer out; a direct file keeps the bytes past its last whole block for later. */
  #flush(): void {
    const length = this.#file.direct ? this.#at - (this.#at % DIRECT_ALIGNMENT) : this.#at;
    this.#file.write(this.#buffer, length, this.#written);
    this.#written += length;
    this.#buffer.copyWithin(0, length, this.#at);
    this.#at -= length;
  }

  /** Bytes too many to buffer, written after what is buffered; a direct file takes them through its buffer. */
  #writeOut(bytes: Uint8Array): void {
    if (this.#file.direct) {
      for (let at = 0; at < bytes.length; ) {
        const n = Math.min(this.#buffer.length - this.#at, bytes.length - at);
        this.#buffer.set(bytes.subarray(at, at + n), this.#at);
        this.#at += n;
        at += n;
        if (this.#at === this.#buffer.length) this.#flush();
      }
      return;
    }
    this.#flush();
    this.#file.write(bytes, bytes.length, this.#written);
    this.#written += bytes.length;
  }

  /** The last bytes: a direct write wants whole blocks, so the last one is padded and the file cut back. */
  #finish(): void {
    if (!this.#file.direct || this.#at === 0) return this.#flush();
    const length = this.#written + this.#at;
    const padded = Math.ceil(this.#at / DIRECT_ALIGNMENT) * DIRECT_ALIGNMENT;
    this.#buffer.fill(0, this.#at, padded);
    this.#at = padded;
    this.#flush();
    ftruncateSync(this.#file.fd, length);
  }
}
