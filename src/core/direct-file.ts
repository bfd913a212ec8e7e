import { closeSync, constants, openSync, writeSync } from "node:fs";

/**
 * A local file written past the page cache (Linux's direct I/O) where its file system takes
 * it, else through the cache. For big files nothing reads back soon, such as a new version of
 * the SQLite store: the kernel then has no cache pages to find and fill for them. On a virtual
 * machine that costs much more than the copy: there, writing 1.5 GB into a new file took 6.8 s
 * of system time through the cache and 0.3 s direct.
 */

/** Linux's flag; 0 where there is none (macOS, Windows), and every write goes through the cache. */
const DIRECT: number = constants.O_DIRECT ?? 0;

/**
 * What direct writes align their buffer's address, offset and length to. The device and the
 * file system set the real bound (512 bytes on most disks); 4096 is one every common one takes.
 */
export const DIRECT_ALIGNMENT = 4096;

/** Flags that only mean something when a file is first opened. */
const OPENING = constants.O_CREAT | constants.O_EXCL | constants.O_TRUNC;

export class DirectFile {
  /** Through the page cache: opened first, with the caller's flags, and kept for a fallback. */
  readonly #cached: number;
  /** The same file opened again for direct writes, while the kernel takes them. */
  #direct: number | undefined;
  /** The direct descriptor after a fallback, closed at close: an fsync may still be using it. */
  #dropped: number | undefined;

  /** `flags` as openSync takes them, without O_DIRECT; a new file's mode is 0o666 less the umask, as fs makes it. */
  constructor(path: string, flags: number, direct = true) {
    this.#cached = openSync(path, flags, 0o666);
    // Reopened through /proc rather than created with O_DIRECT: a file system that refuses the
    // flag does so after creating the file, and then an O_EXCL retry would find it there.
    if (direct && DIRECT !== 0) {
      try {
        this.#direct = openSync(`/proc/self/fd/${this.#cached}`, (flags & ~OPENING) | DIRECT);
      } catch {
        // Refused (EINVAL) or no /proc: the cached descriptor is all there is.
      }
    }
  }

  /** The descriptor writes go to now. */
  get fd(): number {
    return this.#direct ?? this.#cached;
  }

  /** Whether writes still skip the cache. */
  get direct(): boolean {
    return this.#direct !== undefined;
  }

  /**
   * Writes `length` bytes of `buffer` at `offset`. A direct write that the kernel refuses (an
   * unaligned buffer, a file system that opens files direct but does not write them so) is
   * written through the cached descriptor instead, and so are the file's next writes.
   */
  write(buffer: Uint8Array, length: number, offset: number): void {
    let at = 0;
    while (at < length) {
      try {
        at += writeSync(this.fd, buffer, at, length - at, offset + at);
      } catch (err) {
        if (this.#direct === undefined || (err as NodeJS.ErrnoException).code !== "EINVAL") throw err;
        this.#dropped = this.#direct;
        this.#direct = undefined;
      }
    }
  }

  close(): void {
    try {
      const direct = this.#direct ?? this.#dropped;
      if (direct !== undefined) closeSync(direct);
    } finally {
      closeSync(this.#cached);
    }
  }
}
