import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { KeyNumbers } from "../../src/columnar/key-numbers.ts";

describe("KeyNumbers", () => {
  test("dense, sparse, negative and huge keys, in any order, against a Map", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 5000 }),
            fc.integer({ min: -800_000, max: 3_000_000 }),
            fc.constantFrom(2 ** 40, Number.MAX_SAFE_INTEGER, 1e9),
          ),
          { maxLength: 3000 },
        ),
        (keys) => {
          const numbers = new KeyNumbers();
          const map = new Map<number, number>();
          for (const k of keys) {
            expect(numbers.get(k)).toBe(map.get(k) ?? -1);
            if (!map.has(k)) {
              numbers.set(k, map.size);
              map.set(k, map.size);
            }
          }
          for (const [k, n] of map) expect(numbers.get(k)).toBe(n);
          expect(numbers.get(-1e12)).toBe(-1);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("keys first kept aside come into the window when it widens over them", () => {
    const numbers = new KeyNumbers();
    numbers.set(1, 0);
    numbers.set(100_000, 1); // too far for the window of one key; by key 80,000 the window reaches it
    for (let k = 2; k < 80_000; k++) numbers.set(k, k);
    expect(numbers.get(100_000)).toBe(1);
    expect(numbers.get(1)).toBe(0);
    expect(numbers.get(79_999)).toBe(79_999);
    expect(numbers.get(80_000)).toBe(-1);
  });
});
