import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { cellAt, Utf8Values } from "../../src/columnar/columns.ts";

describe("Utf8Values", () => {
  test("holds the UTF-8 of each string, as TextEncoder makes it, and gives the strings back", () => {
    const strings = ["", "a", "Émile", "\u{1F600}", "\ufeffmark first", "lone \ud800 surrogate", "x".repeat(5000), "中文"];
    const values = new Utf8Values(1, 1);
    strings.forEach((s, i) => expect(values.pushString(s)).toBe(i));
    expect(values.count).toBe(strings.length);
    strings.forEach((s, i) => {
      const expected = new TextEncoder().encode(s);
      expect(values.bytes.subarray(values.starts[i]!, values.starts[i + 1]!)).toEqual(Buffer.from(expected));
      expect(values.get(i)).toBe(new TextDecoder("utf-8", { ignoreBOM: true }).decode(expected));
    });
    expect(values.maxLength).toBe(5000);
  });

  test("any strings, growing from nothing", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" })), (strings) => {
        const values = new Utf8Values(0, 0);
        for (const s of strings) values.pushString(s);
        return strings.every((s, i) => values.get(i) === s);
      }),
    );
  });

  test("cellAt: an index outside the values is a null; dates as YYYY-MM-DD", () => {
    const values = new Utf8Values();
    values.pushString("a");
    const index = Int32Array.from([0, -1, 1]);
    expect([0, 1, 2].map((i) => cellAt({ values, index }, "string", i))).toEqual(["a", null, null]);
    expect(cellAt(Int32Array.from([19782]), "date", 0)).toBe("2024-02-29");
    expect(cellAt({ values: Int32Array.from([0]), index }, "date", 0)).toBe("1970-01-01");
    expect(cellAt([null], "int", 0)).toBeNull();
  });
});
