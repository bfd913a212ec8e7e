/**
 * Order statistics without sorting: O(n) where a sort of 10M amounts is O(n log n). Used for
 * silver's q99 and gold's median.
 */

/**
 * Hoare selection: afterwards values[k] is the k-th smallest, with smaller-or-equal values
 * before it and greater-or-equal after. Median-of-three pivots and Hoare's partition keep
 * it linear on sorted input and on the many repeated amounts real data has.
 */
export function selectNth(values: Float64Array, k: number): void {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    if (values[mid]! < values[lo]!) swap(values, mid, lo);
    if (values[hi]! < values[lo]!) swap(values, hi, lo);
    if (values[hi]! < values[mid]!) swap(values, hi, mid);
    const pivot = values[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) swap(values, i++, j--);
    }
    // [lo, j] <= pivot, [i, hi] >= pivot, and anything strictly between equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(values: Float64Array, i: number, j: number): void {
  const t = values[i]!;
  values[i] = values[j]!;
  values[j] = t;
}
