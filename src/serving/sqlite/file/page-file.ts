import { constants, fsync, fsyncSync, ftruncateSync } from "node:fs";
import { DIRECT_ALIGNMENT, DirectFile } from "../../../core/direct-file.ts";

/**
 * Bytes written between two syncs on another thread: what is left for the last sync, which the
 * swap waits for. At 8 MiB that wait was 6-17 ms at 1M purchases, against 30-55 ms at 32 MiB.
 */
const SYNC_EVERY = 8 * 1024 * 1024;
/** Pages a writer takes at a time: few for a small file, then up to its buffer's worth. */
const FIRST_RUN = 4;
const LAST_RUN = 256;

/**
 * The page numbers of one file, handed out to its writers (this thread's, the table and index
 * workers') in runs of consecutive pages, from shared memory. Page 1 (the schema) is written
 * last, by `DatabaseFile.close`.
 */
export class PageNumbers {
  constructor(readonly shared = new Int32Array(new SharedArrayBuffer(4)).fill(2)) {}

  /** `count` consecutive numbers; answers the first. */
  reserve(count: number): number {
    return Atomics.add(this.shared, 0, count);
  }

  /** The pages handed out so far: the file's page count. */
  get count(): number {
    return Atomics.load(this.shared, 0) - 1;
  }
}

/**
 * The page holding the bytes at 1 GiB, where SQLite takes its file locks: in a file that big
 * it is never used, neither as a b-tree page nor as a free one (PENDING_BYTE in SQLite's source).
 */
export function lockPage(pageSize: number): number {
  return Math.floor(0x40000000 / pageSize) + 1;
}

/** Pages `[from, to)` reserved and never written: the freelist's, when the file is closed. */
export type FreeRun = [from: number, to: number];

/**
 * One writer's pages of a database file: numbered from runs it reserves, kept in a buffer
 * while they follow one another, written where their numbers put them.
 */
export class PageFile {
  private readonly file: DirectFile;
  /** Whole pages. Direct writes want its address aligned: Bun's buffers this big were, every one tried, and a refused write falls back. */
  private readonly buffer: Uint8Array;
  private filled = 0;
  /** The number of the buffer's first page. */
  private first = 0;
  private unsynced = 0;
  private syncing: Promise<void> | undefined;
  /** The run being used: the next number `take` answers, and where the run ends. */
  private next = 0;
  private end = 0;
  private runSize = FIRST_RUN;
  /** Runs left with pages never written (a chain of overflow pages did not fit a run's end). */
  private readonly unused: FreeRun[] = [];

  constructor(
    readonly path: string,
    readonly pageSize: number,
    readonly numbers: PageNumbers,
    /** "wx" creates the file, "r+" opens it to write beside another writer. */
    mode: "wx" | "r+",
  ) {
    // Direct: nothing reads the new version's pages before it is swapped in, and then few of
    // them. Not for pages smaller than a disk block, which writers would share.
    const flags = mode === "wx" ? constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL : constants.O_RDWR;
    this.file = new DirectFile(path, flags, pageSize % DIRECT_ALIGNMENT === 0);
    this.buffer = new Uint8Array(pageSize * LAST_RUN);
  }

  /** Writes a page under the next number; answers the number. */
  write(page: Uint8Array): number {
    const number = this.take(1);
    this.put(number, page);
    return number;
  }

  /** `count` consecutive numbers for pages `put` writes later; answers the first. */
  take(count: number): number {
    if (this.next + count > this.end) {
      if (this.next < this.end) this.unused.push([this.next, this.end]);
      const size = Math.max(count, this.runSize);
      this.runSize = Math.min(this.runSize * 2, LAST_RUN);
      this.next = this.numbers.reserve(size);
      const lock = lockPage(this.pageSize);
      if (this.next <= lock && lock < this.next + size) {
        // The run around the lock-byte page is left unused, that page off the freelist too.
        this.unused.push([this.next, lock], [lock + 1, this.next + size]);
        this.next = this.numbers.reserve(size);
      }
      this.end = this.next + size;
    }
    const first = this.next;
    this.next += count;
    return first;
  }

  /** Writes page `number`, one `take` answered. */
  put(number: number, page: Uint8Array): void {
    if (this.filled > 0 && (number !== this.first + this.filled / this.pageSize || this.filled === this.buffer.length)) this.flush();
    if (this.filled === 0) this.first = number;
    this.buffer.set(page, this.filled);
    this.filled += this.pageSize;
  }

  /** Writes what is buffered; answers the pages reserved and not written, this writer's part of the freelist. */
  async finish(): Promise<FreeRun[]> {
    this.flush();
    await this.syncing;
    const unused = [...this.unused];
    if (this.next < this.end) unused.push([this.next, this.end]);
    this.next = this.end;
    return unused;
  }

  /** Gives the file its length, writes page 1, then waits for the disk: the file is swapped in next. */
  async close(first: Uint8Array, pageCount: number): Promise<void> {
    try {
      this.flush();
      ftruncateSync(this.file.fd, pageCount * this.pageSize);
      this.buffer.set(first.subarray(0, this.pageSize));
      this.file.write(this.buffer, this.pageSize, 0);
      await this.syncing;
      fsyncSync(this.file.fd);
    } finally {
      this.file.close();
    }
  }

  /** Closes without finishing: for a load that failed (its file is removed by its owner), or a writer that is done. */
  discard(): void {
    this.file.close();
  }

  private flush(): void {
    this.file.write(this.buffer, this.filled, (this.first - 1) * this.pageSize);
    this.unsynced += this.filled;
    this.filled = 0;
    // The disk takes what is written so far on another thread, while this one goes on: the
    // wait for it at `close` is then for the last few megabytes, not the whole file.
    if (this.unsynced >= SYNC_EVERY && !this.syncing) {
      this.unsynced = 0;
      this.syncing = new Promise<void>((resolve) => fsync(this.file.fd, () => resolve())).then(() => {
        this.syncing = undefined;
      });
    }
  }
}
