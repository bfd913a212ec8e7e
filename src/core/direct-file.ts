import { closeSync, constants, openSync, writeSync } from "node:fs";

/**
 * A local file written past the page cache (Linux's direct I/O) where its file system takes
 * it, else through the cache. For big files nothing reads back soon, such as a new version of
 * the SQLite store: the kernel then has no cache pages to find and fill for them. On a virtual
 * machine that costs much more than copying: there, writing 1.5 GB into a new cached file took
 * 6.8 s of system time and 1.5 s of wall time direct.
 */

/** Linux's flag; 0 where there is none (macOS, Windows), and every write goes through the cache. */
const DIRECT: number = constants.O_DIRECT ?? 0;

/** What direct writes align their buffer's address, offset and length to: the largest block size disks have. */
export const DIRECT_ALIGNMENT = 4096;

export class DirectFile {
  #fd: number;
  #direct: boolean;
  /** The direct descriptor, kept open after a fallback until close: an fsync may still be using it. */
  #dropped: number | undefined;

  /** `flags` as openSync takes them, without O_DIRECT; a new file's mode is 0o666 less the umask, as fs makes it. */
  constructor(
    readonly path: string,
    flags: number,
    direct = true,
  ) {
    this.#direct = direct && DIRECT !== 0;
    if (this.#direct) {
      try {
        this.#fd = openSync(path, flags | DIRECT, 0o666);
        return;
      } catch (err) {
        if (code(err) !== "EINVAL") throw err;
        this.#direct = false;
      }
    }
    this.#fd = openSync(path, flags, 0o666);
  }

  get fd(): number {
    return this.#fd;
  }

  /** Whether writes still skip the cache. */
  get direct(): boolean {
    return this.#direct;
  }

  /**
   * Writes `length` bytes of `buffer` at `offset`. A direct write that the file system refuses
   * (an unaligned buffer, a file system that opens for direct I/O but does not write so) is
   * written through the cache, and so are the file's next writes.
   */
  write(buffer: Uint8Array, length: number, offset: number): void {
    let at = 0;
    while (at < length) {
      try {
        at += writeSync(this.#fd, buffer, at, length - at, offset + at);
      } catch (err) {
        if (!this.#direct || code(err) !== "EINVAL") throw err;
        this.#dropped = this.#fd;
        this.#fd = openSync(this.path, constants.O_WRONLY);
        this.#direct = false;
      }
    }
  }

  close(): void {
    try {
      closeSync(this.#fd);
    } finally {
      if (this.#dropped !== undefined) closeSync(this.#dropped);
    }
  }
}

const code = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;
