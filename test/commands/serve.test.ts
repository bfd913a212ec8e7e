import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baseEnv, runElt, startServe } from "../support/cli.ts";
import { compiledElt } from "../support/compiled.ts";

/** `elt serve`'s command line, refused before it serves when an option could only fail or do nothing. */

let dir: string;
let elt: string[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "elt-serve-"));
  elt = [await compiledElt()];
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const serve = (...args: string[]) => runElt(["serve", ...args], { cwd: dir, env: baseEnv({ ELT_HOME: join(dir, "home") }), elt });

test("a schedule whose --sources folder does not exist is refused at start, naming the folder", async () => {
  const missing = join(dir, "no-such-folder");
  for (const schedule of [["--every", "1m"], ["--cron", "* * * * *"]]) {
    expect(await serve(...schedule, "--sources", missing, "--port", "0")).toEqual({
      code: 2,
      out: "",
      err: `elt: ${schedule[0]}: no folder ${missing} (--sources) to read the sources from; create it, or \`elt generate --out ${missing}\` for sample data\n`,
    });
  }
});

test("--sources without --every or --cron is refused rather than ignored", async () => {
  expect(await serve("--sources", dir, "--port", "0")).toEqual({
    code: 2,
    out: "",
    err: "elt: --sources: only with --every or --cron (the folder the scheduled runs read)\n",
  });
});

test("with API_KEY, the start says which paths stay open: /health, /docs and the console", async () => {
  const server = await startServe(baseEnv({ ELT_HOME: join(dir, "home"), API_KEY: "k3y-for-the-test" }), dir, elt);
  try {
    while (!server.output().includes("press Ctrl-C")) await Bun.sleep(20);
    expect(server.output()).toContain(
      "an API key is required (x-api-key or Authorization: Bearer) on every endpoint but /health, /docs and the console at /ui (which asks for the key)\n",
    );
    expect(server.output()).not.toContain("k3y-for-the-test");
  } finally {
    expect(await server.stop()).toBe(0);
  }
}, 30_000);
