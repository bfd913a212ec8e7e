import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { cellAt, Utf8Values } from "../../../src/pipeline/gold/columns.ts";
import { KeyNumbers } from "../../../src/pipeline/gold/key-numbers.ts";
import { PurchaseColumns } from "../../../src/pipeline/gold/purchases.ts";

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

describe("PurchaseColumns", () => {
  test("columns widen for an id past 2^32, a day past 2^16, a product past 2^8, keeping what they held", () => {
    const purchases = new PurchaseColumns(2);
    const rows = [
      [1, 0, 0, 1.5, 0],
      [2 ** 32 + 1, 3, 70_000, -0.25, 300],
      [Number.MAX_SAFE_INTEGER, 2 ** 31, 5, 7, 255],
      [7, 1, 65_535, 0, 70_000],
    ] as const;
    for (const [id, client, day, montant, product] of rows) purchases.push(id, client, day, montant, product);
    expect(purchases.length).toBe(4);
    rows.forEach(([id, client, day, montant, product], i) => {
      expect([purchases.idAchat[i], purchases.client[i], purchases.day[i], purchases.montant[i], purchases.product[i]]).toEqual([
        id,
        client,
        day,
        montant,
        product,
      ]);
    });
    expect(purchases.idAchat).toBeInstanceOf(Float64Array);
    expect(purchases.day).toBeInstanceOf(Uint32Array);
  });

  test("narrow while the values allow it", () => {
    const purchases = new PurchaseColumns(0);
    for (let i = 0; i < 5000; i++) purchases.push(i + 1, i, i % 3650, i / 4, i % 10);
    expect(purchases.idAchat).toBeInstanceOf(Uint32Array);
    expect(purchases.day).toBeInstanceOf(Uint16Array);
    expect(purchases.product).toBeInstanceOf(Uint8Array);
    expect(purchases.idAchat[4999]).toBe(5000);
    expect(purchases.montant[4999]).toBe(4999 / 4);
  });
});
