import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/**
 * The folder store's reads of its own files, synchronous: a local read of a few hundred KiB
 * from the page cache is shorter than the hop to a thread pool, and takes no turn of an event
 * loop that a busy caller (silver's cleaning, the serving store's inserts) holds up.
 */

/** Bytes per read of a whole file: big enough to amortise a read, small enough for the caches. */
const CHUNK_BYTES = 1 << 18;

/**
 * A whole file through ONE buffer, read again for every chunk (a get's chunk is only valid
 * until the next): fresh buffers cost a page fault per 4 KiB, a third of silver's time on
 * 10M rows.
 */
export async function* reusedChunks(path: string): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, "r");
  try {
    const buffer = new Uint8Array(CHUNK_BYTES);
    for (let at = 0; ; ) {
      const read = readSync(fd, buffer, 0, buffer.length, at);
      if (read === 0) return;
      at += read;
      yield buffer.subarray(0, read);
    }
  } finally {
    closeSync(fd);
  }
}

/** Which file a path named when a reader opened it: a read of another one (replaced since) is refused. */
export interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

/**
 * Reads `target.length` bytes of a file from `offset` into `target`, fewer where the file ends.
 * The file is opened for each read, so a read after the object was deleted fails as missing;
 * one after it was replaced answers null (`opened`: the file the reader began with), so that
 * no reader puts together the bytes of two versions.
 */
export function readAt(path: string, offset: number, target: Uint8Array, opened?: FileIdentity): number | null {
  const fd = openSync(path, "r");
  try {
    if (opened) {
      const now = fstatSync(fd);
      if (now.ino !== opened.ino || now.size !== opened.size || now.mtimeMs !== opened.mtimeMs) return null;
    }
    let at = 0;
    while (at < target.length) {
      const read = readSync(fd, target, at, target.length - at, offset + at);
      if (read === 0) break;
      at += read;
    }
    return at;
  } finally {
    closeSync(fd);
  }
}
