import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { csvField } from "../../../src/formats/csv.ts";
import { Utf8Values } from "../../../src/columnar/columns.ts";
import { fieldOf, needsQuotes } from "../../../src/formats/csv-writer/fields.ts";
import { writeNumber } from "../../../src/formats/csv-writer/spelling.ts";
import type { Column } from "../../../src/columnar/columns.ts";
import type { ColumnType } from "../../../src/contract/columns.ts";

const utf8 = new TextEncoder();

function spelled(v: number): string {
  const out = new Uint8Array(64);
  return Buffer.from(out.subarray(0, writeNumber(v, out, 0))).toString("latin1");
}

/** A column's cells as the field writes them, one per row. */
function cells(column: Column, type: ColumnType, rows: number): string[] {
  const field = fieldOf(column, type);
  const out = new Uint8Array(rows * field.max + 1);
  const ends = new Int32Array(rows);
  field.encode(0, rows, out, 0, ends, 0);
  return Array.from(ends, (end, i) => Buffer.from(out.subarray(i === 0 ? 0 : ends[i - 1]!, end)).toString("utf8"));
}

describe("numbers as csvField spells them (String(n), -0 as 0)", () => {
  test("every amount in cents from -10,000.00 to 10,000.00", () => {
    for (let c = -1_000_000; c <= 1_000_000; c++) {
      const v = c / 100;
      if (spelled(v) !== csvField(v)) expect(spelled(v)).toBe(csvField(v));
    }
  });

  test("special and extreme values", () => {
    const values = [
      -0, 0, 1, -1, 0.1 + 0.2, 1e21, 1e-7, 1e-6, 5e-324, -5e-324, 1.7976931348623157e308, Infinity, -Infinity, NaN,
      2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2, 1e15, 1e16, 999_999_999, 1_000_000_000,
      1_000_000_001, 1e13 - 0.01, 1e13 + 0.01, 1e13 + 0.5, 99999999999.99, 0.01, 0.005, 123.4, 123.45, 123.456, 1.005, 10.1,
    ];
    for (const v of values) expect(spelled(v)).toBe(csvField(v));
  });

  test("any double", () => {
    fc.assert(
      fc.property(fc.double(), (v) => spelled(v) === csvField(v)),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), fc.integer({ min: 1, max: 1000 }), (a, b) => {
        const v = a / b;
        return spelled(v) === csvField(v);
      }),
      { numRuns: 20_000 },
    );
  });
});

// Every character String.prototype.trim removes, and a few it does not.
const TRIMMED = [..."\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"];
const KEPT = [..."\u200b\u180e\u0085\u00ad\u2060\uffff\u0100\u07ff\u0800a\u007f\u0000"];

describe("quoting decided on UTF-8 bytes, as csvField decides it on text", () => {
  const agrees = (s: string) => {
    const bytes = utf8.encode(s);
    return needsQuotes(bytes, 0, bytes.length) === (csvField(s) !== s);
  };

  test("white space, or not, at either end; quotes, commas and line ends anywhere", () => {
    for (const c of [...TRIMMED, ...KEPT]) {
      for (const s of [c, `${c}x`, `x${c}`, `${c}x${c}`, `x${c}y`, `\u{1F600}${c}`, `${c}\u{1F600}`]) expect(agrees(s)).toBe(true);
    }
    for (const s of ["", "x", '"', 'a"b', "a,b", "a\nb", "a\rb", "\u{1F600}", "Émile", "\u00e9\u00e9"]) expect(agrees(s)).toBe(true);
  });

  test("any string", () => {
    const text = fc.string({ unit: fc.constantFrom(...TRIMMED, ...KEPT, '"', ",", "a", "é", "\u{1F600}", "\u4e2d"), maxLength: 6 });
    fc.assert(fc.property(text, agrees), { numRuns: 20_000 });
    fc.assert(fc.property(fc.string({ unit: "binary" }), agrees), { numRuns: 20_000 });
  });
});

describe("fields", () => {
  const strings = ['say "hi"', "a,b", " lead", "trail\u3000", "\u{1F600}", "", "plain", "Zoé"];

  test("text through an index: csvField of the value, empty where the index is out of range", () => {
    const values = new Utf8Values();
    for (const s of strings) values.pushString(s);
    const index = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, -1, 8, 0, 99]);
    expect(cells({ values, index }, "string", index.length)).toEqual([...strings.map(csvField), "", "", csvField(strings[0]!), ""]);
  });

  test("numbers and days, plain or through an index", () => {
    const numbers = Float64Array.from([0, -0, 1.5, 2 ** 53 - 1, 1e21]);
    expect(cells(numbers, "double", 5)).toEqual(["0", "0", "1.5", "9007199254740991", "1e+21"]);
    expect(cells({ values: numbers, index: Int32Array.from([4, -1, 2, 5]) }, "int", 4)).toEqual(["1e+21", "", "1.5", ""]);
    // 0001-01-01, 1899-12-31, 1970-01-01, 2099-12-31, 2100-01-01, 9999-12-31: inside the table of ready dates and out of it
    const days = Int32Array.from([-719162, -25568, 0, 47481, 47482, 2932896]);
    const iso = ["0001-01-01", "1899-12-31", "1970-01-01", "2099-12-31", "2100-01-01", "9999-12-31"];
    expect(cells(days, "date", 6)).toEqual(iso);
    expect(cells({ values: days, index: Int32Array.from([5, -1, 0]) }, "date", 3)).toEqual([iso[5]!, "", iso[0]!]);
  });

  test("cells of the small tables: csvField's spelling, dates given as day numbers too", () => {
    expect(cells(["a,b", null, 1.5, -0, "\u{1F600}"], "string", 5)).toEqual(['"a,b"', "", "1.5", "0", "\u{1F600}"]);
    expect(cells(["2024-02-29", 19782, null], "date", 3)).toEqual(["2024-02-29", "2024-02-29", ""]);
  });
});
