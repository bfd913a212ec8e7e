import { expect, test } from "bun:test";
import { SliceScratch } from "../../src/columnar/slice-scratch.ts";

test("a slice's arrays are the previous slice's memory while they are long enough, fresh when not", () => {
  const scratch = new SliceScratch();
  const [a, b] = scratch.numbers(100, 2);
  expect([a.length, b.length]).toEqual([100, 100]);
  a[0] = 7;
  const [again] = scratch.numbers(50, 2);
  expect(again.length).toBe(50);
  expect(again.buffer).toBe(a.buffer);
  expect(again[0]).toBe(7);
  const [longer] = scratch.numbers(101, 2);
  expect(longer.buffer).not.toBe(a.buffer);
  const indices = scratch.indices(10, 3);
  expect(indices.map((i) => [i.constructor.name, i.length])).toEqual([["Int32Array", 10], ["Int32Array", 10], ["Int32Array", 10]]);
  expect(new Set(indices.map((i) => i.buffer)).size).toBe(3);
});
