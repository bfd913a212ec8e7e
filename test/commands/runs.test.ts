import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import { baseEnv, runElt } from "../support/cli.ts";

/** `elt runs` and `elt checks` on a lake that four one-layer runs, a second apart or less, built. */

const AS_OF = "2025-06-30";
let dir: string;
let env: Record<string, string>;
const elt = (...args: string[]) => runElt(args, { cwd: dir, env });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-runs-"));
  env = baseEnv({ ELT_HOME: join(dir, "home") });
  await generateFiles({ clients: 60, avgPurchases: 3, seed: 4, asOf: AS_OF, dirtyRate: 0.02 }, join(dir, "sources"));
  for (const layer of ["bronze", "silver", "gold", "export"]) {
    const r = await elt("run", layer, "--force", "--sources", join(dir, "sources"), "--as-of", AS_OF);
    expect(r.code).toBe(0);
  }
  // One that fails: its sources are missing.
  expect((await elt("run", "bronze", "--sources", join(dir, "nowhere"), "--as-of", AS_OF)).code).toBe(1);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const rowsOf = (out: string) => out.trim().split("\n").slice(1).map((l) => l.split(/\s{2,}/));

test("runs are listed newest first by start time, whatever their flow's name", async () => {
  const { code, out } = await elt("runs");
  expect(code).toBe(0);
  expect(out.split("\n")[0]).toMatch(/^RUN +FLOW +STATE +STARTED +DURATION +READ +KEPT +PUBLISHED +CHECKS$/);
  expect(rowsOf(out).map((r) => [r[1], r[2]])).toEqual([
    ["bronze", "failed"],
    ["export", "succeeded"],
    ["gold", "succeeded"],
    ["silver", "succeeded"],
    ["bronze", "succeeded"],
  ]);
  const json = JSON.parse((await elt("runs", "--json")).out) as { started_at: string }[];
  expect(json.map((r) => r.started_at)).toEqual(json.map((r) => r.started_at).toSorted().reverse());
});

test("the row columns say what a run read, kept and published; CHECKS counts gold's audit", async () => {
  const rows = rowsOf((await elt("runs")).out);
  const byFlow = (flow: string) => rows.find((r) => r[1] === flow && r[2] === "succeeded")!;
  const gold = JSON.parse((await elt("runs", "--flow", "gold", "--json")).out)[0];
  expect(byFlow("bronze")[5]).toMatch(/^\d[\d,]*$/);
  expect(byFlow("silver")[6]).toMatch(/^\d[\d,]*$/);
  expect(byFlow("gold")[7]).toBe(gold.tasks[0].metrics.tables.fact_achats.toLocaleString("en-US"));
  expect(byFlow("gold")[8]).toBe("2 ✔");
  // silver audits six checks; kept rows is skipped on the first publish (two datasets).
  expect(byFlow("silver")[8]).toBe("4 ✔");
  expect(byFlow("bronze")[8]).toBe("—");
});

test("--state keeps the runs in that state; a state that is not one is refused naming the choices", async () => {
  expect(rowsOf((await elt("runs", "--state", "failed")).out).map((r) => r[1])).toEqual(["bronze"]);
  const bad = await elt("runs", "--state", "done");
  expect(bad.code).toBe(2);
  expect(bad.err).toContain("expected one of running, succeeded, failed, incomplete");
});

test("elt checks: each check across runs, with its bounds and outcome", async () => {
  const { code, out } = await elt("checks");
  expect(code).toBe(0);
  expect(out).toContain("gold gold_reconciliation (warn off, error 1e-9), oldest first:");
  expect(out).toContain("gold freshness (warn 7, error off), oldest first:");
  expect(out).toMatch(/✔ \S+-gold-\S+ +0 days +passed/);
  const json = JSON.parse((await elt("checks", "--json")).out) as { check: string; subject: string; runs: unknown[] }[];
  // Silver's run audited first, then gold's: each check once, in the order they were first recorded.
  expect(json.map((h) => `${h.subject} ${h.check}`)).toEqual([
    "clients reject_rate",
    "clients kept_rows",
    "achats reject_rate",
    "achats kept_rows",
    "achats no_purchase_kept",
    "achats orphan_rate",
    "gold gold_reconciliation",
    "gold freshness",
  ]);
  expect(json.find((h) => h.check === "gold_reconciliation")!.runs).toHaveLength(1);
});
