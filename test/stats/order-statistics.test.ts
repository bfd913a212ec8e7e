import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { median, quantileLinear, sampleStd } from "../../src/stats/order-statistics.ts";

/** The median as SPEC defines it, by a full sort. */
function sortedMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

test("median of odd and even counts, empty is null", () => {
  expect(median(Float64Array.of(5, 1, 3))).toBe(3);
  expect(median(Float64Array.of(4, 1, 3, 2))).toBe(2.5);
  expect(median(Float64Array.of(7))).toBe(7);
  expect(median(new Float64Array(0))).toBeNull();
});

test("median matches a full sort on sorted, reversed, repeated, signed and random inputs", () => {
  let seed = 7;
  const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const inputs = [
    Array.from({ length: 1001 }, (_, i) => i),
    Array.from({ length: 1000 }, (_, i) => 1000 - i),
    Array.from({ length: 999 }, (_, i) => i % 3),
    Array.from({ length: 500 }, () => 4.25),
    Array.from({ length: 2000 }, () => Math.round(next() * 500) / 100),
    Array.from({ length: 3 }, () => next()),
    Array.from({ length: 2 }, () => next()),
    Array.from({ length: 1000 }, (_, i) => (i - 600) / 7), // negatives and positives
    [-3, -1, -2, -5],
    [1e-300, 5e-324, 1e300, -1e300, 1.7976931348623157e308, -5e-324],
    [0, 0, 0.5, 0.5, 2 ** 53, -(2 ** 53)],
  ];
  for (const values of inputs) expect(median(Float64Array.from(values))).toBe(sortedMedian(values));
});

test("median of any doubles, which it leaves as they were", () => {
  fc.assert(
    fc.property(fc.array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 300 }), (values) => {
      const array = Float64Array.from(values);
      const m = median(array);
      expect(Array.from(array)).toEqual(values);
      // ±0 are the same amount: they compare equal, whichever of them is met
      return m === sortedMedian(values) || (Number.isNaN(m) && Number.isNaN(sortedMedian(values)));
    }),
    { numRuns: 2000 },
  );
});

test("sample standard deviation divides by n − 1, null below two values", () => {
  // mean 5; squared deviations 9 1 1 9 → 20 / 3
  expect(sampleStd(Float64Array.of(2, 4, 6, 8), 5)).toBe(Math.sqrt(20 / 3));
  expect(sampleStd(Float64Array.of(3, 3), 3)).toBe(0);
  expect(sampleStd(Float64Array.of(3), 3)).toBeNull();
});

describe("quantileLinear", () => {
  test("SPEC's interpolation on a small array", () => {
    const v = Float64Array.of(1, 2, 3, 4, 10);
    // p = 0.99 × 4 = 3.96: v[3] + 0.96 × (v[4] − v[3]) = 4 + 5.76
    expect(quantileLinear(v, 0.99)).toBeCloseTo(9.76, 12);
    expect(quantileLinear(v, 0.5)).toBe(3);
    expect(quantileLinear(v, 0)).toBe(1);
    expect(quantileLinear(v, 1)).toBe(10);
    expect(quantileLinear(Float64Array.of(7), 0.99)).toBe(7);
    expect(quantileLinear(Float64Array.from({ length: 101 }, (_, i) => i), 0.99)).toBe(99);
    // Unsorted input: the same quantiles.
    const shuffled = () => Float64Array.of(10, 3, 1, 4, 2);
    expect(quantileLinear(shuffled(), 0.99)).toBeCloseTo(9.76, 12);
    expect(quantileLinear(shuffled(), 0.5)).toBe(3);
    expect(quantileLinear(Float64Array.of(5, 5, 1, 5, 2, 5), 0.99)).toBe(5);
  });

  test("by selection, equal to the formula on the sorted values, for any order and duplicates", () => {
    const values = fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 300 });
    fc.assert(
      fc.property(values, fc.constantFrom(0, 0.25, 0.5, 0.99, 1), (list, q) => {
        const sorted = Float64Array.from(list).sort();
        const p = q * (sorted.length - 1);
        const lo = Math.floor(p);
        const expected = sorted[lo]! + (p - lo) * (sorted[Math.ceil(p)]! - sorted[lo]!);
        expect(quantileLinear(Float64Array.from(list), q)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  test("no values: NaN, and nothing is above the limit", () => {
    const limit = 2 * quantileLinear(new Float64Array(0), 0.99);
    expect(limit).toBeNaN();
    expect(1e9 > limit).toBe(false);
  });
});
