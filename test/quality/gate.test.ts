import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import { compiledElt } from "../support/compiled.ts";

/**
 * Write–audit–publish through the executable, on real files: a broken file is refused and the
 * last good publish stays, byte for byte and through the API, as it does when gold fails one
 * of its own checks; warnings pass and are kept; thresholds come from elt.toml and from flags.
 */

const AS_OF = "2025-06-30";
let dir: string;
let elt: string;
let env: Record<string, string>;

const run = (args: string[], cwd = dir) => {
  const p = Bun.spawnSync([elt, ...args], { cwd, env });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
};
const lake = (...path: string[]) => join(dir, "home", "lake", ...path);
const runAll = (src: string, ...extra: string[]) => run(["run", "--all", "--sources", join(dir, src), "--as-of", AS_OF, ...extra]);
const lastRecord = () => JSON.parse(run(["runs", "--json", "--limit", "1"]).out)[0];

/** Every gold file's bytes, by name. */
async function goldFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(lake("gold"))) {
    if (name.endsWith(".csv") || name.endsWith(".parquet")) out[name] = new Bun.CryptoHasher("sha256").update(await readFile(lake("gold", name))).digest("hex");
  }
  return out;
}
const servedTables = () => {
  const db = new Database(join(dir, "home", "serving.sqlite"), { readonly: true });
  try {
    return db.query<{ n: number; ca: number }, []>("SELECT count(*) AS n, sum(montant) AS ca FROM gold_fact_achats").get();
  } finally {
    db.close();
  }
};

/** The sources with a share of the purchases' amounts replaced by `n/a` (every `every`-th row). */
async function withBadAmounts(from: string, to: string, every: number): Promise<void> {
  await generateFiles({ clients: 1, avgPurchases: 1, seed: 1, asOf: AS_OF, dirtyRate: 0 }, join(dir, to));
  await copyFile(join(dir, from, "clients.csv"), join(dir, to, "clients.csv"));
  const lines = (await readFile(join(dir, from, "achats.csv"), "utf8")).split("\n");
  // The amount is the fourth field, quoted when written with a decimal comma ("12,50").
  const broken = lines.map((l, i) => (i > 0 && i % every === 0 ? l.replace(/^([^,]*,[^,]*,[^,]*,)("[^"]*"|[^,]*)/, "$1n/a") : l));
  await writeFile(join(dir, to, "achats.csv"), broken.join("\n"));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-gate-"));
  elt = join(dir, "elt");
  await copyFile(await compiledElt(), elt);
  env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, NO_COLOR: "1", ELT_HOME: join(dir, "home") };
  await generateFiles({ clients: 400, avgPurchases: 5, seed: 3, asOf: AS_OF, dirtyRate: 0 }, join(dir, "good"));
  await withBadAmounts("good", "all-bad", 1);
  await withBadAmounts("good", "tenth-bad", 10);
}, 180_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("a broken file is refused", () => {
  test("every montant n/a: exit 1, a quality line, gold and the serving tables as they were, the API unchanged", async () => {
    expect(runAll("good").code).toBe(0);
    const gold = await goldFiles();
    const served = servedTables();
    const serve = Bun.spawn([elt, "serve", "--port", "0"], { env, cwd: dir, stdout: "pipe", stderr: "ignore" });
    try {
      const reader = serve.stdout.getReader();
      let banner = "";
      while (!/http:\/\/[\d.]+:\d+/.test(banner)) banner += new TextDecoder().decode((await reader.read()).value);
      const base = /http:\/\/[\d.]+:\d+/.exec(banner)![0];
      const kpisBefore = await (await fetch(`${base}/kpis`)).text();

      const refused = runAll("all-bad");
      expect(refused.code).toBe(1);
      expect(refused.out).toContain("✖ achats reject rate 100.0 % > 50 % (error)");
      expect(refused.out).toContain("✖ achats purchases kept 0 < 1 (error)");
      expect(refused.out).toContain("error: silver: quality: achats reject rate 100.0 % > 50 % (error)");
      expect(await goldFiles()).toEqual(gold);
      expect(servedTables()).toEqual(served);
      expect(await (await fetch(`${base}/kpis`)).text()).toBe(kpisBefore);
      // Kept for inspection, not published.
      expect((await readdir(lake("silver", "_refused"))).length).toBe(1);
    } finally {
      serve.kill();
      await serve.exited;
    }
  }, 120_000);

  test("--no-gate publishes it all the same, and the record says it was forced", async () => {
    const forced = runAll("all-bad", "--no-gate");
    expect(forced.code).toBe(0);
    expect(forced.out).toContain("published despite the failed checks (--no-gate)");
    const record = lastRecord();
    expect(record.parameters.gate).toBe("off (--no-gate)");
    expect(record.tasks.find((t: { name: string }) => t.name === "silver").metrics.gate).toBe("forced");
    expect(servedTables()!.n).toBe(0);
  }, 60_000);
});

describe("warnings pass and are kept", () => {
  test("a tenth of the amounts bad: exit 0 with a warning in the summary, the record, elt checks and /checks", async () => {
    expect(runAll("good", "--force").code).toBe(0);
    const warned = runAll("tenth-bad");
    expect(warned.code).toBe(0);
    expect(warned.out).toContain("⚠ achats reject rate 10.0 % > 5 % (warn)");
    const record = lastRecord();
    const silverChecks = record.tasks.find((t: { name: string }) => t.name === "silver").metrics.checks;
    expect(silverChecks.find((c: { check: string; subject: string }) => c.check === "reject_rate" && c.subject === "achats").outcome).toBe("warned");
    const history = JSON.parse(run(["checks", "--json"]).out) as { check: string; subject: string; runs: { run_id: string; outcome: string }[] }[];
    const rate = history.find((h) => h.check === "reject_rate" && h.subject === "achats")!;
    expect(rate.runs.at(-1)).toMatchObject({ run_id: record.id, outcome: "warned" });
  }, 60_000);
});

describe("kept rows against the last publish", () => {
  test("falling to 40 % blocks; to 95 % passes; to 85 % warns", async () => {
    const fewer = async (name: string, share: number) => {
      await generateFiles({ clients: 1, avgPurchases: 1, seed: 1, asOf: AS_OF, dirtyRate: 0 }, join(dir, name));
      await copyFile(join(dir, "good", "clients.csv"), join(dir, name, "clients.csv"));
      const lines = (await readFile(join(dir, "good", "achats.csv"), "utf8")).trimEnd().split("\n");
      await writeFile(join(dir, name, "achats.csv"), lines.slice(0, 1 + Math.round((lines.length - 1) * share)).join("\n") + "\n");
    };
    await fewer("forty", 0.4);
    await fewer("ninety-five", 0.95);
    await fewer("eighty-five", 0.85);
    expect(runAll("good", "--force").code).toBe(0);
    const blocked = runAll("forty");
    expect(blocked.code).toBe(1);
    expect(blocked.out).toMatch(/✖ achats rows kept vs the last publish 40\.\d % < 50 % \(error\)/);
    expect(runAll("ninety-five").out).not.toContain("rows kept vs the last publish");
    const warned = runAll("eighty-five");
    expect(warned.code).toBe(0);
    // Against the last publish (95 % of the good run): 85/95 = 89.5 %.
    expect(warned.out).toMatch(/⚠ achats rows kept vs the last publish 89\.\d % < 90 % \(warn\)/);
  }, 120_000);
});

describe("thresholds from elt.toml and from flags", () => {
  test("elt.toml raises the bound, a flag lowers it again; a malformed file exits 2 naming the key", async () => {
    expect(runAll("good", "--force").code).toBe(0);
    await writeFile(join(dir, "elt.toml"), "[quality.reject_rate]\nwarn = 20\nerror = 30\n");
    try {
      const quiet = runAll("tenth-bad");
      expect(quiet.code).toBe(0);
      expect(quiet.out).not.toContain("reject rate");
      const strict = runAll("tenth-bad", "--force", "--check", "reject_rate.error=5");
      expect(strict.code).toBe(1);
      expect(strict.out).toContain("✖ achats reject rate 10.0 % > 5 % (error)");
      await writeFile(join(dir, "elt.toml"), "[quality.reject_rate]\nerror = -3\n");
      const bad = runAll("good", "--force");
      expect(bad.code).toBe(2);
      expect(bad.err).toContain("elt.toml: quality.reject_rate.error: expected a non-negative number, or false to turn the level off");
    } finally {
      await rm(join(dir, "elt.toml"), { force: true });
    }
  }, 120_000);
});

describe("a gold that fails an error check is refused", () => {
  /** Every row of the serving store's `_refresh_metadata`, in the order written. */
  const refreshRows = () => {
    const db = new Database(join(dir, "home", "serving.sqlite"), { readonly: true });
    try {
      return db.query("SELECT * FROM _refresh_metadata ORDER BY rowid").all();
    } finally {
      db.close();
    }
  };

  test("freshness over its error bound: exit 1, gold's latest files, state and the serving store untouched, the version unsealed", async () => {
    expect(runAll("good", "--force").code).toBe(0);
    const published = lastRecord().id;
    const gold = await goldFiles();
    const state = await readFile(lake("gold", "_state.json"));
    const served = servedTables();
    const refreshed = refreshRows();
    // The latest purchase is on as_of: a month later, gold is 30 days old, over an error bound of 7.
    await writeFile(join(dir, "elt.toml"), "[quality.freshness]\nerror = 7\n");
    try {
      const refused = run(["run", "--all", "--sources", join(dir, "good"), "--as-of", "2025-07-30"]);
      expect(refused.code).toBe(1);
      const line = "days from the latest purchase to as_of 30 > 7 (error): latest purchase 2025-06-30";
      expect(refused.out).toContain(`error: gold: quality: ${line}`);
      expect(refused.out).toContain(`✖ ${line}`);
      expect(refused.out).toContain(`Still published  the gold tables of run ${published}, untouched`);
      const record = lastRecord();
      expect(record.tasks.map((t: { name: string; state: string }) => [t.name, t.state]).slice(-3)).toEqual([
        ["silver", "succeeded"],
        ["gold", "failed"],
        ["export", "skipped"],
      ]);
      expect(await goldFiles()).toEqual(gold);
      expect(await readFile(lake("gold", "_state.json"))).toEqual(state);
      expect(JSON.parse(state.toString()).run_id).toBe(published);
      expect(servedTables()).toEqual(served);
      expect(refreshRows()).toEqual(refreshed);
      // Written, kept for inspection, never sealed nor being published.
      expect((await readdir(lake("gold", "_versions", record.id))).length).toBeGreaterThan(0);
      expect(await stat(lake("gold", "_versions", record.id, "_complete.json")).catch(() => null)).toBeNull();
      expect(await stat(lake("gold", "_publishing.json")).catch(() => null)).toBeNull();
    } finally {
      await rm(join(dir, "elt.toml"), { force: true });
    }
  }, 120_000);
});

describe("a header that is not SPEC's is diagnosed", () => {
  const headerError = async (name: string, clients: string) => {
    await generateFiles({ clients: 5, avgPurchases: 1, seed: 1, asOf: AS_OF, dirtyRate: 0 }, join(dir, name));
    await writeFile(join(dir, name, "clients.csv"), clients);
    const home = join(dir, `home-${name}`);
    const p = Bun.spawnSync([elt, "run", "--all", "--sources", join(dir, name), "--as-of", AS_OF], { env: { ...env, ELT_HOME: home } });
    expect(p.exitCode).toBe(1);
    return p.stderr.toString() + p.stdout.toString();
  };
  test("a ;-separated file, a reordered header, a missing column", async () => {
    expect(await headerError("semicolon", "id_client;nom;email;date_inscription;pays\n1;A;a@b.fr;2024-01-01;France\n")).toContain(
      `the file looks semicolon-separated (";"); SPEC's files are comma-separated`,
    );
    expect(await headerError("reordered", "nom,id_client,email,date_inscription,pays\nA,1,a@b.fr,2024-01-01,France\n")).toContain("the same columns in another order");
    expect(await headerError("missing", "id_client,nom,date_inscription,pays\n1,A,2024-01-01,France\n")).toContain("missing email");
  }, 60_000);

  test("Latin-1 bytes: the line, how it would read, and how to convert", async () => {
    const latin1 = Buffer.from("id_client,nom,email,date_inscription,pays\n1,Müller,m@x.fr,2024-01-01,France\n", "latin1");
    await generateFiles({ clients: 5, avgPurchases: 1, seed: 1, asOf: AS_OF, dirtyRate: 0 }, join(dir, "latin1"));
    await writeFile(join(dir, "latin1", "clients.csv"), latin1);
    const p = Bun.spawnSync([elt, "run", "--all", "--sources", join(dir, "latin1"), "--as-of", AS_OF], { env: { ...env, ELT_HOME: join(dir, "home-latin1") } });
    expect(p.exitCode).toBe(1);
    expect(p.stderr.toString() + p.stdout.toString()).toContain(
      'clients.csv:2: bytes are not valid UTF-8; as Latin-1 it would read "1,Müller,m@x.fr,2024-01-01,France"; if so, convert the file: iconv -f WINDOWS-1252 -t UTF-8',
    );
  }, 60_000);
});
