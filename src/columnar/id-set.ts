/**
 * A set of ids (positive integers up to 2^53−1) that stays lean at tens of millions: a
 * growable bitset for the usual dense ids, and a Set only for ids beyond the bitset's reach.
 */
const BITSET_LIMIT = 1 << 30; // ids below this live in the bitset (at most 128 MiB, grown on demand)

export class IdSet {
  private bits = new Uint8Array(1 << 13);
  private large = new Set<number>();
  size = 0;

  has(id: number): boolean {
    if (id < BITSET_LIMIT) {
      const byte = id >>> 3;
      return byte < this.bits.length && (this.bits[byte]! & (1 << (id & 7))) !== 0;
    }
    return this.large.has(id);
  }

  /** Adds an id; returns false when it was already there. */
  add(id: number): boolean {
    if (id >= BITSET_LIMIT) {
      if (this.large.has(id)) return false;
      this.large.add(id);
      this.size++;
      return true;
    }
    const byte = id >>> 3;
    if (byte >= this.bits.length) {
      let length = this.bits.length;
      while (length <= byte) length *= 2;
      const grown = new Uint8Array(length);
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (id & 7);
    if (this.bits[byte]! & mask) return false;
    this.bits[byte]! |= mask;
    this.size++;
    return true;
  }
}
