import { open } from "node:fs/promises";

/**
 * A whole file streams in 64 KiB chunks: decoding and splitting CSV ran fastest on those (larger
 * ones leave the caches). A range is wanted whole (a Parquet column chunk), in up to 4 MiB reads.
 */
const STREAM_CHUNK = 1 << 16;
const RANGE_CHUNK = 1 << 22;

/**
 * A local file, or the byte range [offset, offset + length) of it, as chunks read into fresh
 * buffers (a caller may keep one). A plain read loop: a file's ReadableStream took longer to
 * hand over the same bytes. Stops early if the file is shorter.
 */
export async function* fileChunks(path: string, range?: { offset: number; length: number }): AsyncGenerator<Uint8Array> {
  const handle = await open(path, "r");
  try {
    let at = range?.offset ?? 0;
    const end = range ? at + range.length : Infinity;
    const size = range ? RANGE_CHUNK : STREAM_CHUNK;
    while (at < end) {
      const chunk = new Uint8Array(Math.min(size, end - at));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, at);
      if (bytesRead === 0) return;
      at += bytesRead;
      yield bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
