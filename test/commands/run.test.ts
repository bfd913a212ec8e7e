import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { baseEnv, runElt } from "../support/cli.ts";

/** What `elt run` prints: only what this run produced, where its files are, and for a failed run what stays published. */

const AS_OF = "2026-06-30";
let dir: string;
let lake: string;
const elt = (...args: string[]) => runElt(args, { cwd: dir, env: baseEnv({ ELT_HOME: join(dir, "home") }) });
let good: { id: string; out: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-run-"));
  lake = join(dir, "home", "lake");
  await generateFiles({ clients: 80, avgPurchases: 3, seed: 9, asOf: AS_OF, dirtyRate: 0.02 }, join(dir, "sources"));
  const { code, out } = await elt("run", "--all", "--sources", join(dir, "sources"), "--as-of", AS_OF);
  expect(code).toBe(0);
  const [latest] = JSON.parse((await elt("runs", "--json", "--limit", "1")).out) as RunRecord[];
  good = { id: latest!.id, out };
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

test("a run lists the files it wrote as absolute paths", () => {
  const where = good.out.slice(good.out.indexOf("Where everything is"));
  expect(where).toContain(`  silver         ${join(lake, "silver", "clients.parquet")}\n`);
  expect(where).toContain(`  gold           ${join(lake, "gold", "fact_achats.{parquet,csv}")}\n`);
  expect(where).toMatch(new RegExp(`  bronze         ${join(lake, "bronze", "clients")}/[0-9a-f]{64}\\.csv\\n`));
  expect(where).toContain(`  run record     ${join(lake, "runs", good.id, "run.json")}\n`);
});

test("a failed run prints its error, the tasks that ran and what stays published, and none of an earlier run's figures", async () => {
  const { code, out } = await elt("run", "--all", "--sources", join(dir, "nowhere"), "--as-of", AS_OF);
  expect(code).toBe(1);
  expect(out).toMatch(/error: bronze\.clients: .*source file not found/);
  expect(out).toMatch(/\n  ✖ bronze\.clients .*source file not found/);
  expect(out).toContain(`Still published  the gold tables of run ${good.id}, untouched`);
  // The earlier run's KPIs and silver counts are nowhere.
  for (const line of good.out.split("\n").filter((l) => /^  (CA total|Achats|Panier moyen|clients  |achats   )/.test(l))) {
    expect(out).not.toContain(line.trim());
  }
  expect(out).not.toContain("KPIs");
  expect(out).not.toContain("Silver");
  expect(out).not.toContain(join(lake, "gold"));
});

test("--serve on a port already taken is refused before anything runs, naming API_URL (run has no --port)", async () => {
  const busy = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("taken") });
  try {
    const before = JSON.parse((await elt("runs", "--json")).out) as RunRecord[];
    const env = baseEnv({ ELT_HOME: join(dir, "home"), API_URL: `http://localhost:${busy.port}` });
    const { code, out, err } = await runElt(["run", "--all", "--serve", "--sources", join(dir, "sources"), "--as-of", AS_OF], { cwd: dir, env });
    expect({ code, out, err }).toEqual({
      code: 2,
      out: "",
      err: `elt: port ${busy.port} on 127.0.0.1 is already in use: elt run --serve listens on API_URL's port; set API_URL to another (e.g. API_URL=http://localhost:8001)\n`,
    });
    expect(JSON.parse((await elt("runs", "--json")).out)).toEqual(before);
  } finally {
    await busy.stop(true);
  }
}, 30_000);

test("a secret in an error is hidden even when the configuration itself does not load", async () => {
  const file = join(dir, "a-file");
  await Bun.write(file, "");
  const env = baseEnv({ ELT_HOME: file, API_KEY: "sekrit123" });
  const { code, err } = await runElt(["serve", "--port", "sekrit123"], { cwd: dir, env });
  expect(code).toBe(2);
  expect(err).toBe("elt: --port ****: expected a port number, 0 to 65535 (0: any free port)\n");
});

test("a serving store that cannot be reached stops the run before bronze: one line, exit 1, nothing run or published", async () => {
  const before = JSON.parse((await elt("runs", "--json")).out) as RunRecord[];
  const env = baseEnv({ ELT_HOME: join(dir, "home"), MONGODB_URI: "mongodb://elt:pw@127.0.0.1:1" });
  const { code, out, err } = await runElt(["run", "--all", "--force", "--sources", join(dir, "sources"), "--as-of", AS_OF], { cwd: dir, env });
  expect({ code, out, err }).toEqual({ code: 1, out: "", err: "elt: cannot reach MongoDB at mongodb://elt:****@127.0.0.1:1\n" });
  expect(JSON.parse((await elt("runs", "--json")).out)).toEqual(before);
}, 30_000);
