/**
 * WAL checkpoints on another thread. A checkpoint copies the pages a load wrote into the
 * database file and waits for the disk twice (fsync); SQLite's automatic checkpoints ran them on
 * the writing thread, after its commits, and took a fifth of a 1M-row export. With automatic
 * checkpoints off, the writer calls `request()` after each commit instead, and its thread goes
 * on with the next batch while this one's pages are copied.
 *
 * The worker's code is a string, so that it needs no entry point of its own in the compiled
 * executable: it only imports bun:sqlite. A checkpoint that fails is only put off (the next one,
 * or the last connection to close, copies the same pages), so the worker answers every message
 * the same way.
 */
const WORKER = `
import { Database } from "bun:sqlite";
let db;
self.onmessage = ({ data }) => {
  try {
    if (data.close) {
      db?.close();
      db = undefined;
    } else {
      db ??= new Database(data.path, { readwrite: true });
      // PASSIVE: copies what it can without waiting for readers or the writer.
      db.query("PRAGMA wal_checkpoint(PASSIVE)").get();
    }
  } catch {}
  postMessage(null);
};
`;

export class BackgroundCheckpoint {
  private worker: Worker | undefined;
  /** Settles when the worker answers its current message. */
  private running: Promise<void> | undefined;
  private wanted = false;

  constructor(private readonly path: string) {}

  /** Checkpoints soon: now if the worker is idle, else once more after its current one. */
  request(): void {
    if (this.running) {
      this.wanted = true;
      return;
    }
    this.running = this.send({ path: this.path }).then(() => {
      this.running = undefined;
      if (this.wanted) {
        this.wanted = false;
        this.request();
      }
    });
  }

  /** Waits for the requested checkpoints, then closes the worker's connection and the worker. */
  async close(): Promise<void> {
    while (this.running) await this.running;
    const worker = this.worker;
    if (!worker) return;
    await this.send({ close: true });
    worker.terminate();
    this.worker = undefined;
  }

  /**
   * One message and its answer; a worker that fails is dropped, the next message starts another.
   * The worker keeps the process alive only while it has a message to answer: a store left open
   * must not, and one being closed must get its answer.
   */
  private send(message: { path: string } | { close: true }): Promise<void> {
    const worker = (this.worker ??= new Worker(URL.createObjectURL(new Blob([WORKER], { type: "application/javascript" }))));
    worker.ref();
    return new Promise<void>((resolve) => {
      worker.onmessage = () => resolve();
      worker.onerror = (event) => {
        event.preventDefault();
        worker.terminate();
        if (this.worker === worker) this.worker = undefined;
        resolve();
      };
      worker.postMessage(message);
    }).finally(() => worker.unref());
  }
}
