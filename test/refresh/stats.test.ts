import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { summarize } from "../../src/refresh/stats.ts";
import { quantileLinear } from "../../src/stats/order-statistics.ts";

describe("summarize", () => {
  test("odd count, in any order", () => {
    // sorted 1 2 3 4 5; p95 rank 0.95·4 = 3.8 → 4 + 0.8·(5 − 4)
    expect(summarize([5, 1, 3, 2, 4])).toEqual({ count: 5, min: 1, mean: 3, median: 3, p95: 4.8, max: 5 });
  });

  test("even count interpolates the median and p95", () => {
    // median rank 1.5 → (2 + 3) / 2; p95 rank 2.85 → 3 + 0.85·(10 − 3) = 8.95
    const s = summarize([10, 2, 1, 3]);
    expect(s).toMatchObject({ count: 4, min: 1, mean: 4, median: 2.5, max: 10 });
    expect(s.p95).toBeCloseTo(8.95, 12);
  });

  test("one value is every statistic", () => {
    expect(summarize([7])).toEqual({ count: 1, min: 7, mean: 7, median: 7, p95: 7, max: 7 });
  });

  test("no value is an error, not NaN", () => {
    expect(() => summarize([])).toThrow("no values to summarize");
  });

  test("does not reorder its input", () => {
    const values = [3, 1, 2];
    summarize(values);
    expect(values).toEqual([3, 1, 2]);
  });

  test("min ≤ median ≤ p95 ≤ max and min ≤ mean ≤ max, always", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
        const s = summarize(values);
        expect(s.count).toBe(values.length);
        expect(s.min).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.p95);
        expect(s.p95).toBeLessThanOrEqual(s.max);
        // The mean of doubles can round a hair past the extremes; allow that and no more.
        expect(s.mean).toBeGreaterThanOrEqual(s.min * (1 - 1e-12));
        expect(s.mean).toBeLessThanOrEqual(s.max * (1 + 1e-12));
      }),
    );
  });
});

test("the quantiles hit the ends exactly", () => {
  expect(quantileLinear(Float64Array.of(1, 4, 9), 0)).toBe(1);
  expect(quantileLinear(Float64Array.of(1, 4, 9), 1)).toBe(9);
  expect(quantileLinear(Float64Array.of(1, 4, 9), 0.25)).toBe(2.5);
});
