import { expect, test } from "bun:test";
import { DEFAULT_THRESHOLDS, resolveThresholds } from "../../src/quality/thresholds.ts";

test("no file and no flag: the built-in defaults", () => {
  expect(resolveThresholds()).toEqual(DEFAULT_THRESHOLDS);
  expect(DEFAULT_THRESHOLDS.reject_rate).toEqual({ enabled: true, warn: 5, error: 50 });
  expect(DEFAULT_THRESHOLDS.kept_rows).toEqual({ enabled: true, warn: 90, error: 50 });
  expect(DEFAULT_THRESHOLDS.freshness).toEqual({ enabled: true, warn: 7, error: false });
});

test("the file's levels replace the defaults one by one; flags win over the file", () => {
  const t = resolveThresholds({ reject_rate: { error: 80 }, freshness: { enabled: false } }, ["reject_rate.error=60", "orphan_rate.warn=off", "kept_rows.enabled=false"]);
  expect(t.reject_rate).toEqual({ enabled: true, warn: 5, error: 60 });
  expect(t.freshness.enabled).toBe(false);
  expect(t.orphan_rate.warn).toBe(false);
  expect(t.kept_rows.enabled).toBe(false);
  // The defaults themselves are never changed by a resolution.
  expect(DEFAULT_THRESHOLDS.reject_rate.error).toBe(50);
});

test("a bad flag is a configuration error naming the flag and what is allowed", () => {
  expect(() => resolveThresholds({}, ["reject_rate=60"])).toThrow("--check reject_rate=60: expected NAME.LEVEL=VALUE");
  expect(() => resolveThresholds({}, ["rejects.error=60"])).toThrow("--check rejects.error=60: no check named rejects (checks: reject_rate, kept_rows");
  expect(() => resolveThresholds({}, ["reject_rate.error=-1"])).toThrow("expected a non-negative number, or off");
  expect(() => resolveThresholds({}, ["reject_rate.error=lots"])).toThrow("expected a non-negative number, or off");
  expect(() => resolveThresholds({}, ["reject_rate.enabled=maybe"])).toThrow("expected true or false");
});
