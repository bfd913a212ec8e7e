import { expect, test } from "bun:test";
import { closest, didYouMean, editDistance } from "../../src/ui/suggest.ts";

test("edit distance counts insertions, deletions, substitutions and adjacent swaps as one edit each", () => {
  expect(editDistance("run", "run")).toBe(0);
  expect(editDistance("rnu", "run")).toBe(1);
  expect(editDistance("sliver", "silver")).toBe(1);
  expect(editDistance("forse", "force")).toBe(1);
  expect(editDistance("", "abc")).toBe(3);
  expect(editDistance("kitten", "sitting")).toBe(3);
});

test("a typo gets the closest word; another word gets nothing", () => {
  const commands = ["generate", "run", "serve", "dashboard", "refresh-test", "runs", "logs", "rollback", "doctor"];
  expect(closest("rnu", commands)).toBe("run");
  expect(closest("sevre", commands)).toBe("serve");
  expect(closest("docter", commands)).toBe("doctor");
  expect(closest("deploy", commands)).toBeNull();
  expect(closest("silver", ["bronze", "silver", "gold", "export"])).toBe("silver");
  expect(closest("sliver", ["bronze", "silver", "gold", "export"])).toBe("silver");
  expect(didYouMean("--forse", ["--force", "--all", "--json"])).toBe(' (did you mean "--force"?)');
  expect(didYouMean("--verbose", ["--force", "--all", "--json"])).toBe("");
});
