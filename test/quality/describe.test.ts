import { expect, test } from "bun:test";
import type { CheckResult } from "../../src/quality/checks.ts";
import { checkLine } from "../../src/quality/describe.ts";

const base: CheckResult = { check: "reject_rate", subject: "achats", value: 94.1, unit: "%", warn: 5, error: 50, fails: "above", outcome: "failed" };

test("a failed or warned check names the bound it crossed and its level", () => {
  expect(checkLine(base)).toBe("achats reject rate 94.1 % > 50 % (error)");
  expect(checkLine({ ...base, value: 6.04, outcome: "warned" })).toBe("achats reject rate 6.0 % > 5 % (warn)");
  expect(checkLine({ ...base, check: "kept_rows", value: 40, warn: 90, error: 50, fails: "below", note: "400000 kept now, 1000000 in the last publish" })).toBe(
    "achats rows kept vs the last publish 40.0 % < 50 % (error): 400000 kept now, 1000000 in the last publish",
  );
});

test("a passed check is its measure; a skipped one says why", () => {
  expect(checkLine({ ...base, value: 1.25, outcome: "passed" })).toBe("achats reject rate 1.3 %");
  expect(checkLine({ ...base, check: "freshness", subject: "gold", unit: "days", value: 3, warn: 7, error: false, outcome: "passed" })).toBe("days from the latest purchase to as_of 3");
  expect(checkLine({ ...base, value: null, outcome: "skipped", note: "no rows read" })).toBe("achats reject rate: skipped (no rows read)");
});
