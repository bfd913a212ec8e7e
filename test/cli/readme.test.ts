import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMMANDS } from "../../src/commands/index.ts";
import { ROOT, baseEnv, runElt } from "../support/cli.ts";

/** The README's Commands table names every command and every option its --help lists. */

function readmeRows(): Map<string, string> {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Commands\n"), readme.indexOf("\n## ", readme.indexOf("\n## Commands\n") + 1));
  const rows = new Map<string, string>();
  for (const line of section.split("\n")) {
    const name = /^\| `elt ([a-z-]+)/.exec(line)?.[1];
    if (name) rows.set(name, `${rows.get(name) ?? ""}${line}\n`);
  }
  return rows;
}

test("the README's Commands table has a row for each command, naming each of its options", async () => {
  const rows = readmeRows();
  const names = COMMANDS.map((c) => c.usage.split(" ")[0]!);
  expect([...rows.keys()].sort()).toEqual([...names].sort());
  const helps = await Promise.all(names.map(async (name) => (await runElt([name, "--help"], { env: baseEnv() })).out));
  for (const [i, name] of names.entries()) {
    const options = [...helps[i]!.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== "--help");
    const missing = options.filter((option) => !rows.get(name)!.includes(`\`${option}`));
    expect({ name, missing }).toEqual({ name, missing: [] });
  }
}, 30_000);
