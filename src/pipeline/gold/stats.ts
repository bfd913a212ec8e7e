/**
 * The distribution KPIs over every montant. The median selects in place instead of sorting:
 * O(n) on 10M amounts where a sort is O(n log n), on a copy the caller can spare.
 */

import { selectNth } from "../select.ts";

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
