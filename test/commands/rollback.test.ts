import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { baseEnv, runElt } from "../support/cli.ts";
import { compiledElt } from "../support/compiled.ts";

/** `elt rollback` end to end: earlier gold back in the lake and in the serving store, safely. */

let dir: string;
const gold = (file: string) => readFileSync(join(dir, ".elt", "lake", "gold", file), "utf8");
const served = () => {
  const db = new Database(join(dir, ".elt", "serving.sqlite"), { readonly: true });
  try {
    return (db.query("SELECT ca_total FROM gold_kpis").get() as { ca_total: number }).ca_total;
  } finally {
    db.close();
  }
};

const elt = (...args: string[]) => runElt(args, { cwd: dir, env: baseEnv() });

const runIdOf = async () => JSON.parse((await elt("runs", "--json", "--limit", "1")).out)[0].id as string;
let first: { kpis: string; run: string };
let second: { kpis: string; run: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "elt-rollback-"));
  for (const seed of ["1", "2"]) {
    expect((await elt("generate", "--clients", "30", "--seed", seed, "--as-of", "2026-06-30", "--force")).code).toBe(0);
    expect((await elt("run", "--all", "--as-of", "2026-06-30")).code).toBe(0);
    const state = { kpis: gold("kpis.csv"), run: await runIdOf() };
    if (seed === "1") first = state;
    else second = state;
    await Bun.sleep(1100); // run ids carry the start second
  }
  expect(first.kpis).not.toBe(second.kpis);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the default brings back the version before the latest, in the lake and the serving store", async () => {
  const { code, out } = await elt("rollback", "--json");
  expect(code).toBe(0);
  expect(JSON.parse(out)).toMatchObject({ restored: first.run, previous: second.run, tables: 10 });
  expect(gold("kpis.csv")).toBe(first.kpis);
  expect(String(served())).toBe(first.kpis.split("\n")[1]!.split(",")[0]!);
});

test("the next gold run rebuilds from silver instead of trusting the rolled-back state", async () => {
  const { code, err } = await elt("run", "gold", "--as-of", "2026-06-30");
  expect(code).toBe(0);
  expect(err).toMatch(/✔ gold/);
  expect(gold("kpis.csv")).toBe(second.kpis);
});

test("an unsealed version (a run killed while writing it) is never published", async () => {
  const partial = join(dir, ".elt", "lake", "gold", "_versions", "29991231T000000Z-all-dead");
  mkdirSync(partial, { recursive: true });
  writeFileSync(join(partial, "kpis.csv"), "ca_total\n1\n");
  const { code, err } = await elt("rollback", "29991231T000000Z-all-dead");
  expect(code).toBe(2);
  expect(err).toMatch(/^elt: no sealed gold version of run "29991231T000000Z-all-dead" \(kept: [^\n]+\)\n$/);
  expect(gold("kpis.csv")).toBe(second.kpis);
});

test("a rollback while a run holds the lake's lock is refused", async () => {
  const lock = {
    token: "t",
    what: "elt run --all",
    host: hostname(),
    pid: process.pid,
    started_at: new Date().toISOString(),
    heartbeat_at: new Date().toISOString(),
  };
  writeFileSync(join(dir, ".elt", "lake", "runs", "_lock.json"), JSON.stringify(lock));
  try {
    const { code, err } = await elt("rollback");
    expect(code).toBe(1);
    expect(err).toContain("another elt process is writing to this lake: elt run --all");
    expect(gold("kpis.csv")).toBe(second.kpis);
  } finally {
    rmSync(join(dir, ".elt", "lake", "runs", "_lock.json"));
  }
});

test("each rollback is a run of flow rollback in elt runs, with what it restored; one refused before it began is none", async () => {
  const { out } = await elt("runs", "--flow", "rollback", "--json");
  const runs = JSON.parse(out) as { flow: string; state: string; tasks: { name: string; metrics?: Record<string, unknown> }[] }[];
  // The default rollback only: the unsealed version was refused, the locked one never started.
  expect(runs.map((r) => [r.flow, r.state])).toEqual([["rollback", "succeeded"]]);
  expect(runs[0]!.tasks[0]!.metrics).toMatchObject({ restored: first.run, previous: second.run, tables: 10 });
  const listed = (await elt("runs")).out.split("\n").filter((l) => l.includes("-rollback-"));
  expect(listed.map((l) => l.split(/\s{2,}/).slice(1, 3))).toEqual([["rollback", "succeeded"]]);
});

test("a run that is no gold version, or an empty lake, is a usage error: one line, exit 2, no run recorded", async () => {
  const compiled = [await compiledElt()];
  const before = (await elt("runs", "--json", "--limit", "1000")).out;
  const unknown = await runElt(["rollback", "no-such-run"], { cwd: dir, env: baseEnv(), elt: compiled });
  expect([unknown.code, unknown.out]).toEqual([2, ""]);
  expect(unknown.err).toMatch(new RegExp(`^elt: no sealed gold version of run "no-such-run" \\(kept: [^\\n]*${second.run}, ${first.run}\\)\\n$`));
  expect((await elt("runs", "--json", "--limit", "1000")).out).toBe(before);

  const empty = mkdtempSync(join(tmpdir(), "elt-rollback-empty-"));
  try {
    const lake = (...args: string[]) => runElt(args, { cwd: empty, env: baseEnv(), elt: compiled });
    expect(await lake("rollback")).toEqual({ code: 2, out: "", err: "elt: no earlier gold version to roll back to (see `elt runs`)\n" });
    expect((await lake("runs", "--json")).out).toBe("[]\n");
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}, 60_000);
