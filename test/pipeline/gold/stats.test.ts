import { expect, test } from "bun:test";
import fc from "fast-check";
import { median, sampleStd } from "../../../src/pipeline/gold/stats.ts";

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
