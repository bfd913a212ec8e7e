/**
 * A sliced table's arrays for one slice, kept for the next slice when it is no longer: a
 * slice a writer asks for 100 times should not cost 100 fresh arrays (fresh memory costs a page
 * fault per 4 KiB).
 */
export class SliceScratch {
  #numbers: Float64Array[] = [];
  #indices: Int32Array[] = [];

  /** `count` Float64Arrays of `n` values. */
  numbers(n: number, count: number): Float64Array[] {
    if (!this.#numbers[0] || this.#numbers[0].length < n) this.#numbers = Array.from({ length: count }, () => new Float64Array(n));
    return this.#numbers.map((a) => a.subarray(0, n));
  }

  /** `count` Int32Arrays of `n` indices. */
  indices(n: number, count: number): Int32Array[] {
    if (!this.#indices[0] || this.#indices[0].length < n) this.#indices = Array.from({ length: count }, () => new Int32Array(n));
    return this.#indices.map((a) => a.subarray(0, n));
  }
}
