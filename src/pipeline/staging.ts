import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Bucket, ObjectStore } from "../storage/object-store.ts";
import { fileChunks } from "../storage/file-chunks.ts";

/**
 * Outputs are written to local staging files first and published only when the whole layer
 * succeeded, so a failure half-way (bad bytes at line 900,000, a dead store) never leaves a
 * partial or mixed output behind, and memory stays flat whatever the output size.
 */
export class Staging {
  private constructor(readonly dir: string) {}

  static async create(home: string, runId: string, name: string): Promise<Staging> {
    const dir = join(home, "tmp", `${runId}-${name}`);
    await mkdir(dir, { recursive: true });
    return new Staging(dir);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  file(name: string): StagedFile {
    return new StagedFile(this.path(name));
  }

  /** Publishes a closed staged file under a key: moved in when the store can, else streamed. */
  async publish(name: string, store: ObjectStore, bucket: Bucket, key: string): Promise<void> {
    const path = this.path(name);
    if (store.putFile) await store.putFile(bucket, key, path);
    else await store.put(bucket, key, fileChunks(path));
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export class StagedFile {
  private sink: Bun.FileSink;
  private buffered = 0;

  constructor(readonly path: string) {
    this.sink = Bun.file(path).writer({ highWaterMark: 1 << 20 });
  }

  write(data: string | Uint8Array): void {
    this.sink.write(data);
    // UTF-16 length for text: close enough to decide when to flush.
    this.buffered += typeof data === "string" ? data.length : data.byteLength;
  }

  /** Lets the sink drain now and then so a large output is not held in memory. */
  async drain(): Promise<void> {
    if (this.buffered > 1 << 22) {
      this.buffered = 0;
      await this.sink.flush();
    }
  }

  async close(): Promise<void> {
    await this.sink.end();
  }
}
