import { expect, test } from "bun:test";
import { join, relative } from "node:path";
import { ROOT, baseEnv } from "../support/cli.ts";

/**
 * `elt --help` reads every command's declaration: they must not bring what the commands need
 * to run (the layers, the API, the dashboard, the storage and serving backends).
 */

function loadedBy(args: string[]): string[] {
  const p = Bun.spawnSync([process.execPath, "--preload", join(import.meta.dir, "loaded-modules.ts"), join(ROOT, "src/cli.ts"), ...args], {
    cwd: ROOT,
    env: baseEnv(),
  });
  expect(p.exitCode).toBe(0);
  const lines = p.stderr.toString().trim().split("\n");
  return (JSON.parse(lines.at(-1)!) as string[]).map((path) => relative(ROOT, path));
}

const packageOf = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];

test("elt --help loads no package but cac, zod and kleur, and no module a command needs only to run", () => {
  const loaded = loadedBy(["--help"]);
  expect(loaded).toContain("src/commands/dashboard.ts");
  const packages = new Set(loaded.map(packageOf).filter((p) => p !== undefined));
  expect([...packages].sort()).toEqual(["cac", "kleur", "zod"]);
  // A serving backend's declaration (backend.ts, settings.ts) is what the configuration reads
  // its variables from, and loads no driver; the rest of its folder is the backend itself.
  const heavy = loaded.filter((path) =>
    /^src\/(pipeline\/(bronze|silver|gold|export)|flows\/(pipeline|run|rollback)|api\/app|dashboard|serving\/(sqlite|mongo)\/(?!backend\.ts$|settings\.ts$)|storage\/(folder|s3))/.test(path),
  );
  expect(heavy).toEqual([]);
});

test("a command's --help loads no more than elt --help", () => {
  expect(loadedBy(["run", "--help"]).sort()).toEqual(loadedBy(["--help"]).sort());
});
