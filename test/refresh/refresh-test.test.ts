import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { GOLD, useLoadedStore } from "../api/fixture.ts";

/** `elt refresh-test` as a user runs it, against the embedded store of a fresh ELT_HOME. */

const CLI = join(import.meta.dir, "../../src/cli.ts");
const suite = useLoadedStore();

async function elt(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([process.execPath, CLI, ...args], {
    cwd: suite.dir,
    env: { PATH: process.env.PATH ?? "", HOME: suite.dir, ELT_HOME: suite.dir, NO_COLOR: "1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code, stdout, stderr };
}

describe("elt refresh-test", () => {
  test("--spawn --json: per-collection and overall statistics, original figures, data restored", async () => {
    const { code, stdout, stderr } = await elt(["refresh-test", "--spawn", "--iterations", "4", "--json"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.api_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(report.store).toBe(`sqlite ${join(suite.dir, "serving.sqlite")}`);
    expect(report.collections.map((c: { collection: string }) => c.collection)).toEqual([
      "gold_kpis",
      "gold_agg_mois",
      "gold_ca_par_pays",
    ]);
    const sane = (s: { count: number; min: number; median: number; p95: number; max: number }, count: number) => {
      expect(s.count).toBe(count);
      expect(s.min).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.p95);
      expect(s.p95).toBeLessThanOrEqual(s.max);
    };
    for (const c of report.collections) {
      sane(c.propagation_ms, 4);
      sane(c.write_ms, 4);
      expect(c.before).toMatchObject({ collection: c.collection, run_id: "run-1" });
      expect(c.before.refresh_time_seconds).toBeGreaterThanOrEqual(0);
    }
    sane(report.overall.propagation_ms, 12);
    expect(report.samples).toHaveLength(12);

    for (const table of ["kpis", "agg_mois", "ca_par_pays"] as const) {
      const [meta] = await suite.store.refreshMetadata(`gold_${table}`);
      expect(meta!.run_id).toBe("run-1");
      expect((await suite.store.read(table)).rows).toEqual(GOLD[table]);
    }
  });

  test("the human report names each collection and the overall figures", async () => {
    const { code, stdout } = await elt(["refresh-test", "--spawn", "--iterations", "2", "--collections", "gold_dim_produits,kpis"]);
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^refresh-test: 2 iteration\(s\) per collection through http:\/\/127\.0\.0\.1:\d+ \(sqlite /);
    expect(lines.some((l) => /^gold_dim_produits\s+4(\s+\d+\.\d\d){6}$/.test(l))).toBe(true);
    expect(lines.some((l) => /^gold_kpis\s+1(\s+\d+\.\d\d){6}$/.test(l))).toBe(true);
    expect(lines.some((l) => /^overall(\s+\d+\.\d\d){6}$/.test(l))).toBe(true);
    expect(stdout).toContain("gold_kpis: data age ");
    const [meta] = await suite.store.refreshMetadata("gold_dim_produits");
    expect(meta!.run_id).toBe("run-1");
  });

  test("no API at API_URL and no --spawn: one line that says what to do, exit 1", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);
    const { code, stdout, stderr } = await elt(["refresh-test"], { API_URL: url });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith(`elt: the API is not reachable at ${url} (`);
    expect(lines[0]).toEndWith("): start it with `elt serve`, or pass --spawn");
    // Nothing was written.
    const [meta] = await suite.store.refreshMetadata("gold_kpis");
    expect(meta!.run_id).toBe("run-1");
  });

  test.each([
    [["--collections", "nope"], 'elt: --collections: "nope" is not a gold table (fact_achats, kpis,'],
    [["--iterations", "0"], "elt: --iterations 0: expected a whole number from 1 to 1000"],
  ])("bad options %p → exit 2", async (args, message) => {
    const { code, stderr } = await elt(["refresh-test", "--spawn", ...args]);
    expect(code).toBe(2);
    expect(stderr).toStartWith(message);
  });

  test("a table never written is refused before anything is written", async () => {
    const emptyHome = join(suite.dir, "empty");
    const { code, stderr } = await elt(["refresh-test", "--spawn", "--collections", "kpis"], { ELT_HOME: emptyHome });
    expect(code).toBe(1);
    expect(stderr).toBe(`elt: ${join(emptyHome, "serving.sqlite")} does not exist yet: nothing is served before the first \`elt run --all\`\n`);
    // A command that only reads creates nothing.
    expect(existsSync(join(emptyHome, "serving.sqlite"))).toBe(false);
  });
});
