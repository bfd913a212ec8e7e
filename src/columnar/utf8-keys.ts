import { Utf8Values } from "./columns.ts";

const EMPTY = -1;

/**
 * Dense numbers for byte strings (UTF-8 text), looked up by their bytes: silver's names,
 * products and countries come to gold as bytes, and a Map would need a JavaScript string for
 * each of them first. Open addressing over a power-of-two table of entry numbers, FNV-1a
 * hashes kept per entry so a probe compares bytes only when the hashes agree.
 */
export class Utf8Keys {
  /** Entry n's bytes; entries are numbered in order of first sight. */
  readonly values = new Utf8Values();
  #slots = new Int32Array(1024).fill(EMPTY);
  #hashes = new Uint32Array(64);

  /** The number of bytes [start, end) of `from`, given one on first sight. */
  of(from: Uint8Array, start: number, end: number): number {
    const hash = fnv1a(from, start, end);
    const slots = this.#slots;
    const mask = slots.length - 1;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const n = slots[s]!;
      if (n === EMPTY) return this.#add(s, hash, from, start, end);
      if (this.#hashes[n] === hash && this.#equals(n, from, start, end)) return n;
    }
  }

  #equals(n: number, from: Uint8Array, start: number, end: number): boolean {
    const { bytes, starts } = this.values;
    const at = starts[n]!;
    if (starts[n + 1]! - at !== end - start) return false;
    for (let i = start; i < end; i++) if (bytes[at + i - start] !== from[i]) return false;
    return true;
  }

  #add(slot: number, hash: number, from: Uint8Array, start: number, end: number): number {
    const n = this.values.pushBytes(from, start, end);
    if (n === this.#hashes.length) {
      const hashes = new Uint32Array(n * 2);
      hashes.set(this.#hashes);
      this.#hashes = hashes;
    }
    this.#hashes[n] = hash;
    this.#slots[slot] = n;
    // At most half full, so probes stay short.
    if ((n + 1) * 2 > this.#slots.length) this.#rehash();
    return n;
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2).fill(EMPTY);
    const mask = slots.length - 1;
    for (let n = 0; n < this.values.count; n++) {
      let s = this.#hashes[n]! & mask;
      while (slots[s] !== EMPTY) s = (s + 1) & mask;
      slots[s] = n;
    }
    this.#slots = slots;
  }
}

function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}
