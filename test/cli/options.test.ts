import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flags } from "../../src/commands/command.ts";
import { COMMANDS } from "../../src/commands/index.ts";
import { baseEnv, runElt } from "../support/cli.ts";

/** Each command's options are declared once: --help, defaults and validation all come from there. */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "elt-options-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const elt = (...args: string[]) => runElt(args, { cwd: dir, env: baseEnv() });
const optionLine = (help: string, flag: string) => help.split("\n").find((l) => l.trimStart().startsWith(`${flag} `) || l.trim() === flag);

test("--help shows each option with the default its command applies, and a switch on by default as --no-NAME", async () => {
  const generate = (await elt("generate", "--help")).out;
  expect(optionLine(generate, "--clients")).toContain("(default: 1500)");
  expect(optionLine(generate, "--seed")).toStartWith("  --seed [n]");
  expect(optionLine(generate, "--seed")).toContain("a bare --seed draws a random one (default: 42)");
  expect(optionLine(generate, "--json")).not.toContain("default");
  const dashboard = (await elt("dashboard", "--help")).out;
  expect(optionLine(dashboard, "--no-color")).toBeDefined();
  expect(optionLine(dashboard, "--no-color")).not.toContain("default");
  // What an option falls back to is shown even where the command fills it in itself.
  expect(optionLine((await elt("refresh-test", "--help")).out, "--collections")).toContain("(default: kpis,agg_mois,ca_par_pays)");
  // Positional arguments are arguments, not options.
  expect((await elt("logs", "--help")).out).not.toContain("--run");
}, 30_000);

test("every command's --help lists exactly the options it declares", async () => {
  const helps = await Promise.all(COMMANDS.map(async (command) => (await elt(command.usage.split(" ")[0]!, "--help")).out));
  for (const [i, command] of COMMANDS.entries()) {
    const help = helps[i]!;
    const listed = [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== "--help");
    const keys = listed.map((f) => f.replace(/^--(no-)?/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
    const declared = Object.entries(command.options.shape).filter(([, field]) => flags.has(field)).map(([key]) => key);
    expect(keys.sort()).toEqual(declared.sort());
  }
}, 30_000);

test("generate: no --seed is seed 42, a bare --seed draws one and prints it, --seed N is N", async () => {
  const seedOf = async (...args: string[]) => {
    const { code, out } = await elt("generate", "--clients", "3", "--as-of", "2026-06-30", "--json", "--force", ...args);
    expect(code).toBe(0);
    return (JSON.parse(out) as { seed: number }).seed;
  };
  expect(await seedOf()).toBe(42);
  expect(await seedOf("--seed", "7")).toBe(7);
  const drawn = [await seedOf("--seed"), await seedOf("--seed")];
  expect(drawn[0]).not.toBe(drawn[1]);
  const bad = await elt("generate", "--seed", "x");
  expect(bad.code).toBe(2);
  expect(bad.err).toContain("--seed x: expected an integer from 0 to 4294967295");
}, 30_000);

test("a value the declaration refuses exits 2 naming the option; its default applies when it is left out", async () => {
  const bad = await elt("runs", "--limit", "0");
  expect(bad.code).toBe(2);
  expect(bad.err).toBe("elt: --limit 0: expected a whole number from 1 to 1000\n");
  const missing = await elt("serve", "--port");
  expect(missing.code).toBe(2);
  expect(missing.err).toContain("`--port <port>` value is missing");
}, 30_000);
