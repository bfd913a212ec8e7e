import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { isValidEmail } from "../../../src/pipeline/silver/byte-parsers.ts";
import { parseAmount, parseDate, parseId, trimField } from "../../support/silver-rules.ts";

describe("trimField", () => {
  test("trims what String.prototype.trim trims; empty is null", () => {
    expect(trimField("  a b \t")).toBe("a b");
    expect(trimField("\u00a0x\u2028\ufeff")).toBe("x");
    expect(trimField("")).toBeNull();
    expect(trimField(" \r\n\t ")).toBeNull();
    // A zero-width space is not white space to JavaScript.
    expect(trimField("\u200b")).toBe("\u200b");
  });
});

describe("parseId", () => {
  test("valid ids and their integer value", () => {
    expect(parseId("42")).toBe(42);
    expect(parseId("007")).toBe(7);
    expect(parseId("42.0")).toBe(42);
    expect(parseId("42.00")).toBe(42);
    expect(parseId("9007199254740991")).toBe(9007199254740991);
    expect(parseId("0009007199254740991.000")).toBe(9007199254740991);
  });

  test("invalid ids", () => {
    for (const s of [
      "",
      "0",
      "00",
      "0.0",
      "42.",
      ".0",
      "42.01",
      "42.0.0",
      "42,0",
      "-1",
      "+1",
      "1e3",
      "4 2",
      "9007199254740992",
      "99999999999999999999999",
      "٤٢", // Arabic-Indic digits
      "４２", // full-width digits
    ]) {
      expect([s, parseId(s)]).toEqual([s, null]);
    }
  });
});

describe("parseAmount", () => {
  test("valid amounts; a comma is a decimal separator", () => {
    expect(parseAmount("12.5")).toBe(12.5);
    expect(parseAmount("12,50")).toBe(12.5);
    expect(parseAmount("-3")).toBe(-3);
    expect(parseAmount("007.25")).toBe(7.25);
    expect(parseAmount("0.1")).toBe(0.1);
    expect(parseAmount("9".repeat(300))).toBe(1e300);
  });

  test("-0 is a valid amount, returned as +0", () => {
    expect(Object.is(parseAmount("-0"), 0)).toBe(true);
    expect(Object.is(parseAmount("-0,00"), 0)).toBe(true);
  });

  test("invalid amounts", () => {
    for (const s of ["", "-", "1.2.3", "1,2,3", ".5", "5.", "-.5", "1e5", "+5", "--5", "1 000", "5€", "٣", "9".repeat(400)]) {
      expect([s, parseAmount(s)]).toEqual([s, null]);
    }
  });
});

describe("parseDate", () => {
  test("every accepted spelling gives YYYY-MM-DD", () => {
    const cases: [string, string][] = [
      ["2024-06-15", "2024-06-15"],
      ["2024/06/15", "2024-06-15"],
      ["15/06/2024", "2024-06-15"],
      ["2024-06-15T13:45:00", "2024-06-15"],
      ["2024-06-15 13:45:00", "2024-06-15"],
      ["2024-06-15T13:45:00.1", "2024-06-15"],
      ["2024-06-15T13:45:00.123456789", "2024-06-15"],
      ["2024-06-15T13:45:00Z", "2024-06-15"],
      ["2024-06-15 13:45:00.5Z", "2024-06-15"],
      ["2024-06-15T23:59:59+23:59", "2024-06-15"],
      // No time-zone conversion: the calendar date is the one written.
      ["2024-06-15T23:00:00-05:00", "2024-06-15"],
      ["2024-06-15T00:00:00+02:00", "2024-06-15"],
      ["2024-06-15T00:00:00.000-00:00", "2024-06-15"],
      ["2024-02-29", "2024-02-29"],
      ["2000-02-29", "2000-02-29"],
      ["29/02/2024", "2024-02-29"],
      ["0001-01-01", "0001-01-01"],
      ["01/01/0001", "0001-01-01"],
      ["9999/12/31", "9999-12-31"],
    ];
    for (const [s, iso] of cases) expect([s, parseDate(s)]).toEqual([s, iso]);
  });

  test("impossible dates and other spellings are null", () => {
    for (const s of [
      "",
      "2024-02-30",
      "2023-02-29",
      "1900-02-29",
      "2024-04-31",
      "2024-13-01",
      "2024-00-10",
      "2024-06-00",
      "0000-01-01",
      "00/01/0000",
      "10000-01-01",
      "2024-06-15T24:00:00",
      "2024-06-15T12:60:00",
      "2024-06-15T12:00:60",
      "2024-06-15T12:00:00+24:00",
      "2024-06-15T12:00:00+05:60",
      "2024-06-15T12:00:00+0100",
      "2024-06-15T12:00:00+01",
      "2024-06-15T12:00:00Z+01:00",
      "2024-06-15T12:00:00 Z",
      "2024-06-15T12:00:00.",
      "2024-06-15T12:00:00.Z",
      "2024-06-15T12:00",
      "2024-06-15T",
      "2024-06-15t12:00:00",
      "2024-06-15T12:00:00z",
      "2024-06-15  12:00:00",
      "2024/06/15T12:00:00",
      "15/06/2024 12:00:00",
      "2024-6-15",
      "24-06-15",
      "15-06-2024",
      "06/15/2024",
      "2024.06.15",
      "20240615",
      "2024-06/15",
      "２０２４-06-15",
    ]) {
      expect([s, parseDate(s)]).toEqual([s, null]);
    }
  });
});

describe("isValidEmail", () => {
  test("valid and invalid addresses", () => {
    for (const s of ["a@b.c", "first.last@sub.example.com", "a@b..c", "a@.b.c", "a@b.c.", "é@ü.fr", "a\u200b@b.c"]) {
      expect([s, isValidEmail(s)]).toEqual([s, true]);
    }
    for (const s of ["", "a@b.", "a@.b", "@b.c", "a@b", "a@@b.c", "a@b@c.d", "a b@c.d", "a@b.c\t", "a@b.c\u00a0x", "a@b\u2028.c", "ab.c"]) {
      expect([s, isValidEmail(s)]).toEqual([s, false]);
    }
  });

  test("agrees with SPEC's regular expression", () => {
    const spec = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
    const text = fc.string({ unit: fc.constantFrom("a", "@", ".", " ", "\u00a0", "\u200b", "\ufeff", "é"), maxLength: 10 });
    fc.assert(fc.property(text, (s) => isValidEmail(s) === spec.test(s)), { numRuns: 5000 });
  });
});
