import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { COMMANDS } from "../../src/commands/index.ts";
import { compiledElt } from "../support/compiled.ts";

/** The compiled executable, copied alone into an empty folder, must do real work there. */

let dir: string;
let elt: string;

function run(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawnSync([elt, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, NO_COLOR: "1", ...env },
  });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-bin-"));
  elt = join(dir, "elt");
  await copyFile(await compiledElt(), elt);
  await Bun.$`chmod +x ${elt}`;
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the executable", () => {
  test("--help lists every command, each with its own --help", () => {
    const { code, out } = run(["--help"]);
    expect(code).toBe(0);
    const commands = COMMANDS.map((c) => c.usage.split(" ")[0]!);
    for (const c of commands) expect(out).toMatch(new RegExp(`^\\s+${c}\\b`, "m"));
    for (const c of commands) {
      const help = run([c, "--help"]);
      expect(help.code).toBe(0);
      expect(help.out).toContain(`$ elt ${c}`);
    }
  });

  test("--version prints the package version", () => {
    const { code, out } = run(["--version"]);
    expect(code).toBe(0);
    expect(out).toContain(pkg.version);
  });

  test("an unknown command or option exits 2 with one line that ends with where to look", () => {
    expect(run(["frobnicate"])).toEqual({ code: 2, out: "", err: 'elt: unknown command "frobnicate" (see elt --help)\n' });
    expect(run([])).toEqual({ code: 2, out: "", err: "elt: name a command (see elt --help)\n" });
    expect(run(["runs", "--frobnicate"])).toEqual({ code: 2, out: "", err: "elt: Unknown option `--frobnicate` (see elt runs --help)\n" });
    expect(run(["serve", "--port"])).toEqual({ code: 2, out: "", err: "elt: option `--port <port>` value is missing (see elt serve --help)\n" });
  });

  test("an extra argument is named with what the command takes, in one line", () => {
    expect(run(["rollback", "a", "b"])).toEqual({
      code: 2,
      out: "",
      err: 'elt: rollback: unexpected argument "b": elt rollback takes only [run] (see elt rollback --help)\n',
    });
    expect(run(["doctor", "x", "y"])).toEqual({
      code: 2,
      out: "",
      err: 'elt: doctor: unexpected arguments "x", "y": elt doctor takes no arguments (see elt doctor --help)\n',
    });
  });

  test("a negative number is the value of the option before it, which says what it allows", () => {
    expect(run(["generate", "--clients", "-5"])).toEqual({ code: 2, out: "", err: "elt: --clients -5: expected a positive integer\n" });
    expect(run(["serve", "--port", "-1"])).toEqual({ code: 2, out: "", err: "elt: --port -1: expected a port number, 0 to 65535 (0: any free port)\n" });
  });

  test("a typo gets the command, option or layer it was close to; a word that is not one gets none", () => {
    expect(run(["rnu"]).err).toStartWith('elt: unknown command "rnu" (did you mean "run"?)\n');
    const layer = run(["run", "sliver"]);
    expect(layer.code).toBe(2);
    expect(layer.err).toBe('elt: layer "sliver": expected one of bronze, silver, gold, export (did you mean "silver"?)\n');
    const option = run(["run", "--all", "--forse"]);
    expect(option.code).toBe(2);
    expect(option.err).toStartWith('elt: Unknown option `--forse` (did you mean "--force"?)\n');
    expect(run(["frobnicate"]).err).not.toContain("did you mean");
  });

  test("a bad configuration value exits 2 naming the variable", () => {
    const { code, err } = run(["runs"], { MINIO_ENDPOINT: "http://localhost:9000/x", MINIO_ACCESS_KEY: "a", MINIO_SECRET_KEY: "b" });
    expect(code).toBe(2);
    expect(err).toContain("MINIO_ENDPOINT");
  });

  test("generates data and runs the whole pipeline with no node_modules beside it", async () => {
    expect(await readdir(dir)).toEqual(["elt"]);
    const gen = run(["generate", "--clients", "40", "--seed", "7", "--as-of", "2026-06-30"]);
    expect(gen.code).toBe(0);
    const all = run(["run", "--all", "--as-of", "2026-06-30"]);
    expect(all.err + all.out).not.toContain("error:");
    expect(all.code).toBe(0);
    expect(all.out).toContain("CA total");
    const runs = run(["runs", "--json"]);
    expect(runs.code).toBe(0);
    const records = JSON.parse(runs.out) as { flow: string; state: string }[];
    expect(records[0]).toMatchObject({ flow: "all", state: "succeeded" });
    expect((await readdir(join(dir, ".elt", "lake", "gold"))).filter((f) => f.endsWith(".parquet")).length).toBe(10);
    // Off a terminal it never asks what to do next.
    expect(all.out + all.err).not.toContain("[y/N]");
  }, 120_000);

  test("ELT_KEEP_RUNS bounds the run records; the run of a gold version rollback offers stays", async () => {
    const env = { ELT_HOME: join(dir, "kept"), ELT_KEEP_RUNS: "2" };
    const all = run(["run", "--all", "--generate", "--as-of", "2026-06-30", "--json"], env);
    expect(all.code).toBe(0);
    const published = (JSON.parse(all.out) as { id: string }).id;
    const bronze: string[] = [];
    for (let i = 0; i < 3; i++) {
      const again = run(["run", "bronze", "--force", "--as-of", "2026-06-30", "--json"], env);
      expect(again.code).toBe(0);
      bronze.push((JSON.parse(again.out) as { id: string }).id);
    }
    const runs = run(["runs", "--json"], env);
    expect((JSON.parse(runs.out) as { id: string }[]).map((r) => r.id)).toEqual([bronze[2]!, bronze[1]!, published]);
    expect((await readdir(join(dir, "kept", "lake", "runs"))).filter((f) => !f.startsWith("_")).sort()).toEqual([published, bronze[1]!, bronze[2]!].sort());
  }, 120_000);

  test("run --all --dashboard measures the refresh time, then shows a dashboard frame", () => {
    const { code, out, err } = run(["run", "--all", "--as-of", "2026-06-30", "--dashboard"], { API_URL: "http://127.0.0.1:0" });
    expect(err).not.toContain("error");
    expect(code).toBe(0);
    expect(out).toMatch(/^overall\s+[\d.]+\s+[\d.]+/m);
    expect(out).toContain("CA par produit");
    expect(out).toContain("CA total");
  }, 120_000);
});
