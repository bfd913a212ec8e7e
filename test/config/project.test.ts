import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProjectConfig } from "../../src/config/project.ts";

const dir = mkdtempSync(join(tmpdir(), "elt-project-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** elt.toml as the working directory holds it: ELT_CONFIG names none. */
const load = (path: string) => loadProjectConfig({ path, named: false });
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test("no file: no settings", () => {
  expect(load(join(dir, "absent.toml"))).toEqual({});
});

test("a [quality] section is read with its levels", () => {
  const path = file("good.toml", "[quality.reject_rate]\nwarn = 10\nerror = 80\n\n[quality.freshness]\nenabled = false\n");
  expect(load(path)).toEqual({ quality: { reject_rate: { warn: 10, error: 80 }, freshness: { enabled: false } } });
});

test("a bad value, an unknown key or broken TOML is a configuration error naming the key", () => {
  const bad = (name: string, text: string) => {
    try {
      load(file(name, text));
    } catch (err) {
      return { code: (err as { exitCode?: number }).exitCode, message: (err as Error).message };
    }
    throw new Error("expected an error");
  };
  expect(bad("value.toml", "[quality.reject_rate]\nerror = \"lots\"\n")).toEqual({
    code: 2,
    message: `${join(dir, "value.toml")}: quality.reject_rate.error: expected a non-negative number, or false to turn the level off`,
  });
  expect(bad("check.toml", "[quality.reject_rates]\nerror = 5\n").message).toBe(`${join(dir, "check.toml")}: quality.reject_rates: unknown key`);
  expect(bad("level.toml", "[quality.reject_rate]\nfail = 5\n").message).toBe(`${join(dir, "level.toml")}: quality.reject_rate.fail: unknown key`);
  expect(bad("toml.toml", "[quality\n").message).toStartWith(`${join(dir, "toml.toml")}: not valid TOML: `);
});

test("a webhook is not read from the file (it is a credential: ELT_ALERT_WEBHOOK holds it)", () => {
  expect(() => load(file("alerts.toml", '[alerts]\nwebhook = "https://hooks.example/T/abc"\n'))).toThrow("alerts: unknown key");
});

test("a negative bound is refused in the same words as any other bad bound", () => {
  expect(() => load(file("negative.toml", "[quality.reject_rate]\nerror = -3\n"))).toThrow(
    "quality.reject_rate.error: expected a non-negative number, or false to turn the level off",
  );
});
