/**
 * A sliced table's arrays for one slice, kept for the next slice when it is no longer: a
 * slice a writer asks for 100 times should not cost 100 fresh arrays (fresh memory costs a page
 * fault per 4 KiB).
 */
/** A tuple of `N` T's, so a caller destructures the arrays it asked for by count. */
type Tuple<T, N extends number, Acc extends T[] = []> = Acc["length"] extends N ? Acc : Tuple<T, N, [...Acc, T]>;

export class SliceScratch {
  #numbers: Float64Array[] = [];
  #indices: Int32Array[] = [];

  /** `count` Float64Arrays of `n` values. */
  numbers<N extends number>(n: number, count: N): Tuple<Float64Array, N> {
    if (!this.#numbers[0] || this.#numbers[0].length < n) this.#numbers = Array.from({ length: count }, () => new Float64Array(n));
    return this.#numbers.map((a) => a.subarray(0, n)) as Tuple<Float64Array, N>;
  }

  /** `count` Int32Arrays of `n` indices. */
  indices<N extends number>(n: number, count: N): Tuple<Int32Array, N> {
    if (!this.#indices[0] || this.#indices[0].length < n) this.#indices = Array.from({ length: count }, () => new Int32Array(n));
    return this.#indices.map((a) => a.subarray(0, n)) as Tuple<Int32Array, N>;
  }
}
