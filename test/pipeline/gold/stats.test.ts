import { expect, test } from "bun:test";
import { medianInPlace, sampleStd } from "../../../src/pipeline/gold/stats.ts";

test("median of odd and even counts, empty is null", () => {
  expect(medianInPlace(Float64Array.of(5, 1, 3))).toBe(3);
  expect(medianInPlace(Float64Array.of(4, 1, 3, 2))).toBe(2.5);
  expect(medianInPlace(Float64Array.of(7))).toBe(7);
  expect(medianInPlace(new Float64Array(0))).toBeNull();
});

test("median matches a full sort on sorted, reversed, repeated and random inputs", () => {
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
  ];
  for (const values of inputs) {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const expected = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    expect(medianInPlace(Float64Array.from(values))).toBe(expected);
  }
});

test("sample standard deviation divides by n − 1, null below two values", () => {
  // mean 5; squared deviations 9 1 1 9 → 20 / 3
  expect(sampleStd(Float64Array.of(2, 4, 6, 8), 5)).toBe(Math.sqrt(20 / 3));
  expect(sampleStd(Float64Array.of(3, 3), 3)).toBe(0);
  expect(sampleStd(Float64Array.of(3), 3)).toBeNull();
});
