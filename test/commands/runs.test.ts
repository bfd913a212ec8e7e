import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import { baseEnv, runElt } from "../support/cli.ts";
import { compiledElt } from "../support/compiled.ts";

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
  expect(out.split("\n")[0]).toMatch(/^RUN +FLOW +STATE +STARTED +DURATION +READ +KEPT +PUBLISHED +CHECKS +TRIGGER$/);
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
  expect(bad.err).toContain("expected one of running, succeeded, failed, cancelled, incomplete, skipped");
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

test("runs show RUN: one run in full, found by any unique part of its id, in text and JSON", async () => {
  const [silver] = JSON.parse((await elt("runs", "--flow", "silver", "--json")).out) as { id: string; tasks: { metrics: { clients: { rejects: Record<string, number> } } }[] }[];
  const part = silver!.id.slice(-9);
  const { code, out } = await elt("runs", "show", part);
  expect(code).toBe(0);
  const lines = out.split("\n");
  expect(lines[0]).toBe(`run ${silver!.id}  succeeded  (flow silver)`);
  expect(out).toContain(`  as_of      ${AS_OF}`);
  // The timeline: the task started right after the run, with its duration and rows.
  expect(lines.find((l) => l.includes(" silver "))).toMatch(/^ +\+\d+\.\d\d s  ✔ silver +\d+\.\d\d s  [\d,]+ → [\d,]+ rows$/);
  const rejects = silver!.tasks[0]!.metrics.clients.rejects;
  const first = Object.entries(rejects).find(([, n]) => n > 0)!;
  expect(lines.find((l) => l.startsWith("  clients  "))).toContain(`${first[0]} ${first[1]}`);
  // The checks are gold's audit, each on its line.
  const [gold] = JSON.parse((await elt("runs", "--flow", "gold", "--json")).out) as { id: string }[];
  const goldShown = (await elt("runs", "show", gold!.id)).out.split("\n");
  expect(goldShown.slice(goldShown.indexOf("Quality checks") + 1, goldShown.indexOf("Quality checks") + 3)).toEqual([
    expect.stringMatching(/^  ✔ aggregates vs kpis, relative difference [\d.e-]+$/),
    expect.stringMatching(/^  ✔ days from the latest purchase to as_of \d+$/),
  ]);
  expect(out).toContain(join(dir, "home", "lake", "silver", "achats.parquet"));

  const json = JSON.parse((await elt("runs", "show", part, "--json")).out) as { id: string; outputs: { layer: string; addresses: string[] }[] };
  expect(json.id).toBe(silver!.id);
  expect(json.outputs.map((o) => o.layer)).toEqual(["silver", "run record"]);

  const failed = await elt("runs", "show", "bronze");
  expect(failed.code).toBe(2);
  expect(failed.err).toMatch(/^elt: "bronze" names 2 runs, give more of the id: [^\n]+\n$/);
  const failedRun = rowsOf((await elt("runs", "--state", "failed")).out)[0]![0]!;
  const shown = (await elt("runs", "show", failedRun)).out;
  expect(shown).toContain("error: bronze.clients: ");
  expect(shown).toContain("✖ bronze.clients");
  expect((await elt("runs", "show")).code).toBe(2);
});

test("runs show of a run no id contains is a usage error: one line, exit 2", async () => {
  const unknown = await runElt(["runs", "show", "no-such-run"], { cwd: dir, env, elt: [await compiledElt()] });
  expect(unknown).toEqual({
    code: 2,
    out: "",
    err: `elt: no run id contains "no-such-run" in folder ${join(dir, "home", "lake")} (see \`elt runs\`)\n`,
  });
}, 60_000);

test("--limit takes a whole number from 1 to 1000: zero, a negative number or a fraction is told so in one line", async () => {
  const compiled = [await compiledElt()];
  for (const limit of ["0", "-1", "2.5"]) {
    const bad = await runElt(["runs", "--limit", limit], { cwd: dir, env, elt: compiled });
    expect(bad).toEqual({ code: 2, out: "", err: `elt: --limit ${limit}: expected a whole number from 1 to 1000\n` });
  }
  const checks = await runElt(["checks", "--limit", "-3"], { cwd: dir, env, elt: compiled });
  expect(checks).toEqual({ code: 2, out: "", err: "elt: --limit -3: expected a whole number from 1 to 1000\n" });
}, 60_000);
