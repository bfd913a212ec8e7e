import { expect, test } from "bun:test";
import { compareCodePoints } from "../../src/core/text-order.ts";

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

test("sorts like UTF-8 bytes: accents after ASCII, lower case after upper case", () => {
  expect(["zed", "Émile", "Zoé", "Zoe", "Zo"].sort(compareCodePoints)).toEqual(["Zo", "Zoe", "Zoé", "zed", "Émile"]);
});

test("a character above U+FFFF comes after U+E000–U+FFFF, unlike UTF-16 order", () => {
  const high = "\u{10000}"; // surrogates D800 DC00
  const privateUse = "\uE000";
  const last = "\uFFFF";
  expect([high, last, privateUse].sort(compareCodePoints)).toEqual([privateUse, last, high]);
  expect([high, last, privateUse].sort()).toEqual([high, privateUse, last]);
  expect(compareCodePoints("a\u{1F600}", "a\uFFFD")).toBeGreaterThan(0);
  expect(compareCodePoints("\u{1F600}", "\u{1F601}")).toBeLessThan(0);
});

test("equal strings and prefixes", () => {
  expect(compareCodePoints("abc", "abc")).toBe(0);
  expect(compareCodePoints("ab", "abc")).toBeLessThan(0);
  expect(compareCodePoints("", "a")).toBeLessThan(0);
});

test("agrees with a byte comparison of the UTF-8 encodings on a mixed sample", () => {
  const sample = ["", "a", "A", "é", "É", "ß", "\u00FF", "\u0800", "\uD7FF", "\uE000", "\uFF21", "\uFFFF", "\u{10000}", "\u{1F600}", "\u{10FFFF}"];
  const words = sample.flatMap((x) => sample.map((y) => x + y));
  for (const a of words) for (const b of words) expect(Math.sign(compareCodePoints(a, b))).toBe(utf8Order(a, b));
});
