import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baseEnv, runElt, spawnElt } from "../support/cli.ts";

/** `elt generate` never replaces a user's sources unasked, and an interrupted one leaves nothing half-written. */

let dir: string;
const env = baseEnv();
const elt = (...args: string[]) => runElt(args, { cwd: dir, env });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-generate-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test("an existing clients.csv is refused in one line naming it; --force replaces it", async () => {
  const out = join(dir, "real");
  await elt("generate", "--out", out, "--clients", "10");
  const mine = "id_client,nom,email,date_inscription,pays\n1,Mine,me@x.fr,2024-01-01,France\n";
  await writeFile(join(out, "clients.csv"), mine);
  const refused = await elt("generate", "--out", out, "--clients", "10");
  expect(refused.code).toBe(2);
  expect(refused.err).toBe(`elt: ${join(out, "clients.csv")} already exists: use --force to replace it, or --out for another folder\n`);
  expect(await readFile(join(out, "clients.csv"), "utf8")).toBe(mine);
  const forced = await elt("generate", "--out", out, "--clients", "10", "--force");
  expect(forced.code).toBe(0);
  expect(await readFile(join(out, "clients.csv"), "utf8")).not.toBe(mine);
});

test("--out naming a file is refused in one line, the file untouched", async () => {
  const file = join(dir, "a-file");
  await writeFile(file, "mine");
  const refused = await elt("generate", "--out", file, "--clients", "10");
  expect(refused.code).toBe(2);
  expect(refused.err).toBe(`elt: --out ${file} is a file, not a folder: give a folder for clients.csv and achats.csv\n`);
  expect(await readFile(file, "utf8")).toBe("mine");
});

test.each([
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const)("%s while generating: exit %d, no partial file, the folder as it was", async (signal, code) => {
  const out = join(dir, `big-${signal}`);
  const child = spawnElt(["generate", "--out", out, "--clients", "2000000"], { cwd: dir, env });
  // Once the partial files are being written.
  for (let i = 0; i < 400; i++) {
    const names = await readdir(out).catch(() => []);
    if (names.some((n) => n.endsWith(".partial"))) break;
    await Bun.sleep(25);
  }
  child.child.kill(signal);
  const done = await child.done;
  expect(done.code).toBe(code);
  expect(done.err).toContain("generate: interrupted");
  expect(await readdir(out)).toEqual([]);
}, 60_000);
