/**
 * Dense numbers for integer keys (client ids, day numbers). Keys inside a window go through a
 * typed array, one load where a Map hashes; the window widens as keys come, as long as they
 * stay dense enough for it (ids 1..n, the days of a few years). Keys that would stretch it too
 * thin (a stray id of 2^40) go to a Map instead.
 */
export class KeyNumbers {
  #base = 0;
  /** Number + 1 of the key base + i; 0 for none. */
  #slots = new Int32Array(0);
  readonly #outside = new Map<number, number>();
  #size = 0;

  /** The key's number, or -1. */
  get(key: number): number {
    const slot = key - this.#base;
    if (slot >= 0 && slot < this.#slots.length) return this.#slots[slot]! - 1;
    return this.#outside.size === 0 ? -1 : (this.#outside.get(key) ?? -1);
  }

  /** Numbers a key that has none yet. */
  set(key: number, n: number): void {
    this.#size++;
    if (!this.#covers(key)) this.#widen(key);
    if (this.#covers(key)) this.#slots[key - this.#base] = n + 1;
    else this.#outside.set(key, n);
  }

  #covers(key: number): boolean {
    const slot = key - this.#base;
    return slot >= 0 && slot < this.#slots.length;
  }

  /** Widens the window over `key`, with room to spare that way, unless that leaves it too sparse. */
  #widen(key: number): void {
    const empty = this.#slots.length === 0;
    const end = this.#base + this.#slots.length;
    const spare = Math.max(1024, this.#slots.length >> 1);
    const low = empty ? key : key < this.#base ? key - spare : this.#base;
    const high = empty ? key + spare : key >= end ? key + 1 + spare : end;
    if (high - low > 4 * this.#size + 65536) return;
    const slots = new Int32Array(high - low);
    if (!empty) slots.set(this.#slots, this.#base - low);
    this.#base = low;
    this.#slots = slots;
    for (const [k, n] of this.#outside) {
      if (!this.#covers(k)) continue;
      slots[k - low] = n + 1;
      this.#outside.delete(k);
    }
  }
}
