import { describe, expect, test } from "bun:test";
import { canonicalCountry, canonicalProduct } from "../../support/silver-rules.ts";

describe("reference spellings", () => {
  test("countries match case-insensitively, others stay as written", () => {
    expect(canonicalCountry("france")).toBe("France");
    expect(canonicalCountry("FRANCE")).toBe("France");
    expect(canonicalCountry("uk")).toBe("UK");
    expect(canonicalCountry("Uk")).toBe("UK");
    expect(canonicalCountry("netherland")).toBe("Netherland");
    expect(canonicalCountry("Netherlands")).toBe("Netherlands");
    expect(canonicalCountry("Narnia")).toBe("Narnia");
  });

  test("products likewise", () => {
    expect(canonicalProduct("LAPTOP")).toBe("Laptop");
    expect(canonicalProduct("headphones")).toBe("Headphones");
    expect(canonicalProduct("Mouse")).toBe("Mouse");
    expect(canonicalProduct("Laptops")).toBe("Laptops");
  });
});
