import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunRecord, TaskRecord } from "../../src/runner/record.ts";
import { compiledElt } from "../support/compiled.ts";

/**
 * A layer whose inputs are unchanged is skipped only while everything it published is still
 * there: outputs deleted behind its back are built again by the next run, as a user runs it.
 */

let dir: string;
let elt: string;
const home = () => join(dir, "home");
const lake = (bucket: string, key: string) => join(home(), "lake", bucket, key);

function elt_(args: string[]) {
  const p = Bun.spawnSync([elt, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1", ELT_HOME: home() },
  });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

/** `elt run LAYER` (or `--all`) on the test's sources; its run record. */
function run(layer: string): RunRecord {
  const { code, out, err } = elt_(["run", layer, "--sources", join(dir, "sources"), "--as-of", "2026-11-01", "--json"]);
  if (code !== 0) throw new Error(`elt run ${layer} exited ${code}: ${err}`);
  return JSON.parse(out) as RunRecord;
}

const task = (record: RunRecord, name: string): TaskRecord => record.tasks.find((t) => t.name === name)!;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "elt-layer-state-"));
  elt = await compiledElt();
  const generated = elt_(["generate", "--out", join(dir, "sources"), "--clients", "60", "--seed", "7", "--as-of", "2026-11-01"]);
  expect(generated.code).toBe(0);
  expect(run("--all").state).toBe("succeeded");
}, 180_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ["silver", "_rejects/achats.csv"],
  ["gold", "kpis.csv"],
])("%s, its inputs unchanged", (layer, key) => {
  test(`is skipped while its outputs are there, built again once ${key} was deleted`, () => {
    run(layer); // whatever an earlier test changed upstream is taken in first
    const skipped = task(run(layer), layer);
    expect([skipped.state, skipped.reason?.startsWith("inputs unchanged since run ")]).toEqual(["skipped", true]);
    const path = lake(layer, key);
    const published = readFileSync(path, "utf8");
    expect(published.split("\n").length).toBeGreaterThan(2);
    rmSync(path);
    expect(task(run(layer), layer).state).toBe("succeeded");
    expect(readFileSync(path, "utf8")).toBe(published);
  }, 60_000);
});
