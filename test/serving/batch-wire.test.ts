import { expect, test } from "bun:test";
import { Utf8Values, type Column } from "../../src/columnar/columns.ts";
import { fromWire, toWire, wireBuffers } from "../../src/serving/sqlite/file/batch-wire.ts";

/**
 * A batch's trip to a table worker and its buffers' trip back: the copies go into the buffers
 * the caller hands out (spares the worker sent back, larger than asked), every one of them is
 * transferred, and the worker hands back exactly those, whatever their size.
 */
test("a batch is copied into the buffers given, read back whole, and gives back exactly those", () => {
  const names = new Utf8Values();
  for (const name of ["Ana", "Bérénice", "日本"]) names.pushString(name);
  const values: (Column | undefined)[] = [
    undefined,
    Float64Array.of(1.5, -2, 3),
    Int32Array.of(7, 8, 9),
    { index: Int32Array.of(2, 0, 1), values: names },
    { index: Int32Array.of(0, 0, 1), values: Float64Array.of(19.99, 5) },
    ["a", null, "c"],
  ];
  const given: ArrayBuffer[] = [];
  // Spares are bigger than asked: each copy is a view of the buffer's start.
  const { batch, transfer } = toWire(3, values, (bytes) => (given.push(new ArrayBuffer(bytes + 64)), given.at(-1)!));
  expect(transfer).toEqual(given);
  expect(new Set(wireBuffers(batch))).toEqual(new Set(given));
  const back = fromWire(structuredClone(batch));
  expect(back[0]).toBeUndefined();
  expect([...(back[1] as Float64Array)]).toEqual([1.5, -2, 3]);
  expect([...(back[2] as Int32Array)]).toEqual([7, 8, 9]);
  const text = back[3] as { index: Int32Array; values: Utf8Values };
  expect([...text.index].map((i) => text.values.bytes.toString("utf8", text.values.starts[i]!, text.values.starts[i + 1]!))).toEqual(["日本", "Ana", "Bérénice"]);
  const numbers = back[4] as { index: Int32Array; values: Float64Array };
  expect([...numbers.index].map((i) => numbers.values[i])).toEqual([19.99, 19.99, 5]);
  expect(back[5]).toEqual(["a", null, "c"]);
});
