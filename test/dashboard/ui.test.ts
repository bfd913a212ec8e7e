import { describe, expect, test } from "bun:test";
import { palette, wantsColor } from "../../src/ui/color.ts";
import {
  formatAge,
  formatCompact,
  formatCompactEuro,
  formatDuration,
  formatEuro,
  formatInt,
  formatNumber,
  formatPercent,
  formatUtc,
} from "../../src/ui/format.ts";
import { firstFit, fit, padStart, truncate } from "../../src/ui/text.ts";

describe("numbers", () => {
  test("thousands separated by commas, a point before the decimals", () => {
    expect(formatNumber(1234567.891, 2)).toBe("1,234,567.89");
    expect(formatNumber(999, 0)).toBe("999");
    expect(formatNumber(1000, 0)).toBe("1,000");
    expect(formatNumber(100000, 0)).toBe("100,000");
    expect(formatNumber(-1234.5, 1)).toBe("-1,234.5");
  });

  test("never a negative zero", () => {
    expect(formatNumber(-0.001, 2)).toBe("0.00");
    expect(formatNumber(-0, 0)).toBe("0");
  });

  test("euros, integers and percentages; null is a dash", () => {
    expect(formatEuro(1234567.891)).toBe("1,234,567.89 €");
    expect(formatEuro(0)).toBe("0.00 €");
    expect(formatEuro(1234567.891, 0)).toBe("1,234,568 €");
    expect(formatEuro(null)).toBe("—");
    expect(formatInt(4321)).toBe("4,321");
    expect(formatInt(null)).toBe("—");
    expect(formatPercent(-12.345, 1, true)).toBe("-12.3 %");
    expect(formatPercent(16.26, 1, true)).toBe("+16.3 %");
    expect(formatPercent(0.04, 1, true)).toBe("0.0 %");
    expect(formatPercent(64.8)).toBe("64.8 %");
    expect(formatPercent(null)).toBe("—");
  });

  test("compact forms keep three significant digits", () => {
    expect(formatCompact(850)).toBe("850");
    expect(formatCompact(12345)).toBe("12.3 k");
    expect(formatCompact(1234567)).toBe("1.23 M");
    expect(formatCompact(2.5e9)).toBe("2.50 G");
    expect(formatCompactEuro(0)).toBe("0 €");
    expect(formatCompactEuro(435000)).toBe("435 k€");
    expect(formatCompactEuro(2.5)).toBe("2.5 €");
  });

  test("durations, ages and instants", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12340)).toBe("12.34 s");
    expect(formatDuration(245_000)).toBe("4 min 05 s");
    expect(formatDuration(7_380_000)).toBe("2 h 03 min");
    expect(formatDuration(undefined)).toBe("—");
    expect(formatAge(2000)).toBe("just now");
    expect(formatAge(42_000)).toBe("42 s ago");
    expect(formatAge(300_000)).toBe("5 min ago");
    expect(formatAge(3 * 3600_000 + 5)).toBe("3 h ago");
    expect(formatAge(2 * 86_400_000)).toBe("2 d ago");
    expect(formatUtc(Date.UTC(2024, 5, 1, 12, 34, 56))).toBe("2024-06-01 12:34:56 UTC");
  });
});

describe("text in columns", () => {
  test("wide characters count two columns when cutting and padding", () => {
    expect(truncate("日本語のテキスト", 7)).toBe("日本語…");
    expect(Bun.stringWidth(truncate("日本語のテキスト", 7))).toBe(7);
    expect(fit("日本", 6)).toBe("日本  ");
    expect(padStart("€", 3)).toBe("  €");
    expect(truncate("short", 10)).toBe("short");
    expect(truncate("abcdef", 4)).toBe("abc…");
  });

  test("firstFit takes the longest candidate that fits, else cuts the last", () => {
    expect(firstFit(10, ["a long label", "short"])).toBe("short");
    expect(firstFit(20, ["a long label", "short"])).toBe("a long label");
    expect(firstFit(3, ["a long label", "short"])).toBe("sh…");
  });
});

describe("colour", () => {
  test("on only for a terminal, with neither --no-color nor NO_COLOR nor TERM=dumb", () => {
    expect(wantsColor({ isTTY: true, env: {} })).toBe(true);
    expect(wantsColor({ isTTY: false, env: {} })).toBe(false);
    expect(wantsColor({ isTTY: true, flag: false, env: {} })).toBe(false);
    expect(wantsColor({ isTTY: true, env: { NO_COLOR: "1" } })).toBe(false);
    // no-color.org: an empty NO_COLOR does not count.
    expect(wantsColor({ isTTY: true, env: { NO_COLOR: "" } })).toBe(true);
    expect(wantsColor({ isTTY: true, env: { TERM: "dumb" } })).toBe(false);
  });

  test("a palette colours whatever kleur's global switch says, and the plain one never does", () => {
    expect(palette(true).red("x")).toBe("\x1b[31mx\x1b[39m");
    expect(palette(false).red("x")).toBe("x");
  });
});
