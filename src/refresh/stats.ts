/** Summary statistics of a sample of durations, as the refresh probe reports them. */
export interface Stats {
  count: number;
  min: number;
  mean: number;
  median: number;
  p95: number;
  max: number;
}

/**
 * The q-quantile of ascending values with linear interpolation between closest ranks (the
 * method SPEC uses for q99), so min ≤ median ≤ p95 ≤ max always holds.
 */
export function quantile(sorted: readonly number[], q: number): number {
  const p = q * (sorted.length - 1);
  const lo = Math.floor(p);
  const hi = Math.ceil(p);
  return sorted[lo]! + (p - lo) * (sorted[hi]! - sorted[lo]!);
}

export function summarize(values: readonly number[]): Stats {
  if (values.length === 0) throw new RangeError("no values to summarize");
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    min: sorted[0]!,
    mean: sum / sorted.length,
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    max: sorted[sorted.length - 1]!,
  };
}
