import { closeSync, openSync, readSync, realpathSync } from "node:fs";

/**
 * Whether anything was committed to a WAL database since a moment: its wal-index header
 * (https://sqlite.org/walformat.html, "the WAL-index header"), the first 96 bytes of its
 * `-shm` file, two copies of the same 48 bytes that every commit rewrites (a change counter
 * bumped per transaction, the last valid frame, the salts a reset of the log changes). One
 * read of them costs a system call; `PRAGMA data_version` begins a read transaction (a lock,
 * a stat, an unlock), which under one client was a sixth of an API answer's time.
 *
 * It only ever says "unchanged" when the header is byte for byte the one read before the
 * caller last asked SQLite itself; anything else (no `-shm` file, the two copies differing
 * because a commit is being written, a short read) says "ask SQLite".
 */
export class WalIndexWatch {
  private fd: number | undefined;
  private readonly read = new Uint8Array(96);
  private readonly kept = new Uint8Array(48);
  /** `kept` holds a whole header, both copies alike. */
  private holds = false;
  /** The last `unchanged` read a whole header. */
  private fresh = false;

  /** `database`: the database file's path (a link is followed: the `-shm` file sits by the file itself). */
  constructor(database: string) {
    try {
      this.fd = openSync(`${realpathSync(database)}-shm`, "r");
    } catch {
      this.fd = undefined;
    }
  }

  /** Reads the header; true when it is the one `keep` kept, so nothing was committed since it was read. */
  unchanged(): boolean {
    if (this.fd === undefined) return false;
    const { read, kept } = this;
    let length = 0;
    try {
      length = readSync(this.fd, read, 0, 96, 0);
    } catch {
      length = 0;
    }
    let same = length === 96 && this.holds;
    for (let i = 0; i < 48 && same; i++) same = read[i] === read[48 + i] && read[i] === kept[i];
    this.holds = this.holds && length === 96;
    this.fresh = length === 96;
    return same;
  }

  /**
   * Keeps the header `unchanged` just read, to be called once SQLite was asked after that
   * read: what SQLite answered holds until the header moves.
   */
  keep(): void {
    const { read, kept } = this;
    let agree = this.fresh;
    for (let i = 0; i < 48 && agree; i++) agree = read[i] === read[48 + i];
    this.holds = agree;
    if (agree) kept.set(read.subarray(0, 48));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
