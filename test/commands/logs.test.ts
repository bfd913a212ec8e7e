import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import { baseEnv, runElt, spawnElt } from "../support/cli.ts";
import { compiledElt } from "../support/compiled.ts";

/** `elt logs`: the latest run by default, a run by any unique part of its id, --follow until a run ends. */

const AS_OF = "2025-06-30";
let dir: string;
let env: Record<string, string>;
const elt = (...args: string[]) => runElt(args, { cwd: dir, env });
const sources = () => join(dir, "sources");

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-logs-"));
  env = baseEnv({ ELT_HOME: join(dir, "home") });
  await generateFiles({ clients: 40, avgPurchases: 3, seed: 9, asOf: AS_OF, dirtyRate: 0.02 }, sources());
  expect((await elt("run", "bronze", "--sources", sources(), "--as-of", AS_OF)).code).toBe(0);
  expect((await elt("run", "silver", "--as-of", AS_OF)).code).toBe(0);
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

test("alone it prints the latest run's logs", async () => {
  const { code, out } = await elt("logs");
  expect(code).toBe(0);
  expect(out.split("\n")[0]).toMatch(/^run \S+-silver-\S+ \(silver, succeeded\)$/);
  expect(out).toContain("silver: task started");
});

test("any part of an id that only one run holds finds it; a part several hold lists them", async () => {
  expect((await elt("logs", "bronze")).out.split("\n")[0]).toMatch(/^run \S+-bronze-\S+ \(bronze, succeeded\)$/);
  const ambiguous = await elt("logs", "Z-");
  expect(ambiguous.code).toBe(2);
  // One line, the candidates newest first.
  expect(ambiguous.err).toMatch(/^elt: "Z-" names 2 runs, give more of the id: \S+-silver-\S+, \S+-bronze-\S+\n$/);
  const none = await elt("logs", "nothing-like-it");
  expect(none.code).toBe(2);
  expect(none.err).toContain('no run id contains "nothing-like-it"');
});

test("on a lake with no runs yet it says so in one line, a usage error (exit 2)", async () => {
  const home = join(dir, "empty-home");
  const none = await runElt(["logs"], { cwd: dir, env: baseEnv({ ELT_HOME: home }), elt: [await compiledElt()] });
  expect(none).toEqual({ code: 2, out: "", err: `elt: no runs yet in folder ${join(home, "lake")} (start one with \`elt run --all\`)\n` });
}, 60_000);

test("--follow prints a running run's lines as they come and ends when the run ends", async () => {
  await generateFiles({ clients: 20000, avgPurchases: 5, seed: 9, asOf: AS_OF, dirtyRate: 0.02 }, join(dir, "big"));
  const running = spawnElt(["run", "--all", "--force", "--sources", join(dir, "big"), "--as-of", AS_OF], { cwd: dir, env });
  // Follow once the run's record exists and says running.
  const runsDir = join(dir, "home", "lake", "runs");
  const before = new Set((await readdir(runsDir)).filter((n) => n !== "_lock.json"));
  // The run's folder comes before its record: an id is taken once its run.json is there.
  let id: string | undefined;
  for (let i = 0; i < 200 && !id; i++) {
    const found = (await readdir(runsDir)).find((n) => n !== "_lock.json" && !before.has(n));
    if (found && existsSync(join(runsDir, found, "run.json"))) id = found;
    else await Bun.sleep(25);
  }
  expect(id).toBeDefined();
  const followed = await elt("logs", id!, "--follow");
  const ran = await running.done;
  expect(ran.code).toBe(0);
  expect(followed.code).toBe(0);
  // Its last line is the run's own end: it did not stop at what was there when it started.
  expect(followed.out.trimEnd().split("\n").at(-1)).toContain("run succeeded");
  expect(followed.out).toContain("export: task succeeded");
}, 120_000);
