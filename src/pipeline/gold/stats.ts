/**
 * The distribution KPIs over every montant. The median selects in place instead of sorting:
 * O(n) on 10M amounts where a sort is O(n log n), on a copy the caller can spare.
 */

/** Median of values (mean of the two middle ones for an even count); reorders `values`. */
export function medianInPlace(values: Float64Array): number | null {
  const n = values.length;
  if (n === 0) return null;
  const upper = n >> 1;
  selectNth(values, upper);
  if (n % 2 === 1) return values[upper]!;
  // After selection everything left of `upper` is <= it, so the lower middle is their maximum.
  let lower = values[0]!;
  for (let i = 1; i < upper; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + values[upper]!) / 2;
}

/**
 * Hoare selection: afterwards values[k] is the k-th smallest, with smaller-or-equal values
 * before it and greater-or-equal after. Median-of-three pivots and Hoare's partition keep
 * it linear on sorted input and on the many repeated amounts real data has.
 */
function selectNth(values: Float64Array, k: number): void {
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

/** Sample standard deviation (n − 1), two passes around the given mean; null when n < 2. */
export function sampleStd(values: Float64Array, mean: number): number | null {
  const n = values.length;
  if (n < 2) return null;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  return Math.sqrt(squares / (n - 1));
}
