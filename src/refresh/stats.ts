import { quantileLinear } from "../stats/order-statistics.ts";

/** Summary statistics of a sample of durations, as the refresh probe reports them. */
export interface Stats {
  count: number;
  min: number;
  mean: number;
  median: number;
  p95: number;
  max: number;
}

/** Median and p95 interpolate linearly between closest ranks, as SPEC's q99 does, so min ≤ median ≤ p95 ≤ max. */
export function summarize(values: readonly number[]): Stats {
  if (values.length === 0) throw new RangeError("no values to summarize");
  const sample = Float64Array.from(values);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of sample) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return {
    count: sample.length,
    min,
    mean: sum / sample.length,
    median: quantileLinear(sample, 0.5),
    p95: quantileLinear(sample, 0.95),
    max,
  };
}
