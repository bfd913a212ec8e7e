/**
 * Lets the garbage collector run while gold goes through spent buffers (silver's decoded
 * batches, written chunks). It runs on heap growth and hardly counts typed arrays' memory:
 * left alone, 10M purchases kept gigabytes of spent buffers resident. A quick collection lets
 * the allocator hand the same memory out again, still mapped (fresh memory costs a page fault
 * per 4 KiB); a full one, slower and giving memory back to the system, caps what is resident.
 */
export class Collect {
  #since = 0;
  #sinceFull = 0;

  /** A quick collection every `every` spent (bytes, rows: the caller's unit), a full one every `fullEvery`. */
  constructor(
    readonly every: number,
    readonly fullEvery: number,
  ) {}

  spent(amount: number): void {
    this.#since += amount;
    this.#sinceFull += amount;
    if (this.#since < this.every) return;
    this.#since = 0;
    const full = this.#sinceFull >= this.fullEvery;
    if (full) this.#sinceFull = 0;
    Bun.gc(full);
  }

  /** A full collection now, before a phase that needs memory of its own. */
  now(): void {
    this.#since = this.#sinceFull = 0;
    Bun.gc(true);
  }
}
