import { expect, test } from "bun:test";
import { idOrder } from "../../src/columnar/id-order.ts";

test("already ascending ids need no order", () => {
  expect(idOrder(Float64Array.of(1, 2, 5, 9), 4)).toBeNull();
  expect(idOrder(new Float64Array(0), 0)).toBeNull();
});

test("orders small ids", () => {
  expect(Array.from(idOrder(Float64Array.of(30, 10, 20), 3)!)).toEqual([1, 2, 0]);
});

test("orders ids across every 16-bit digit, up to 2^53−1", () => {
  const ids = [
    Number.MAX_SAFE_INTEGER,
    1,
    2 ** 32,
    2 ** 32 - 1,
    65535,
    65536,
    2 ** 48 + 7,
    2 ** 48 + 3,
    2 ** 52,
    123456789012,
    0,
  ];
  const order = idOrder(Float64Array.from(ids), ids.length)!;
  expect(Array.from(order, (i) => ids[i])).toEqual([...ids].sort((a, b) => a - b));
});

test("random ids come out in order, and only the first `count` are considered", () => {
  let seed = 3;
  const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const ids = Float64Array.from({ length: 5000 }, () => Math.floor(next() * 2 ** 45));
  const order = idOrder(ids, 4000)!;
  expect(order.length).toBe(4000);
  const sorted = Array.from(ids.subarray(0, 4000)).sort((a, b) => a - b);
  expect(Array.from(order, (i) => ids[i])).toEqual(sorted);
});
