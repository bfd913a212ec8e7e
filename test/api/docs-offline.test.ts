import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GOLD_TABLE_NAMES } from "../../src/contract/gold-tables.ts";
import { browserMissing, offlineBrowser, type OfflineBrowser } from "../support/browser.ts";
import { startServe, type Serving } from "../support/cli.ts";
import { compiledElt } from "../support/compiled.ts";

/** /docs as a user opens it from the executable, in a browser that cannot reach the internet. */

if (browserMissing) console.warn(`skipping the offline /docs test: ${browserMissing}`);

let dir: string;
let serve: Serving | undefined;
let browser: OfflineBrowser | undefined;

beforeAll(async () => {
  if (browserMissing) return;
  dir = await mkdtemp(join(tmpdir(), "elt-docs-"));
  const elt = join(dir, "elt");
  await copyFile(await compiledElt(), elt);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, NO_COLOR: "1", ELT_HOME: join(dir, "home") };
  const gen = Bun.spawnSync([elt, "generate", "--clients", "50", "--seed", "1", "--as-of", "2025-06-30", "--out", join(dir, "src")], { env });
  expect(gen.exitCode).toBe(0);
  const run = Bun.spawnSync([elt, "run", "--all", "--sources", join(dir, "src"), "--as-of", "2025-06-30"], { env });
  expect(run.exitCode).toBe(0);
  serve = await startServe(env, dir, [elt]);
  browser = await offlineBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test.skipIf(browserMissing !== null)("/docs renders every endpoint with no request leaving the machine", async () => {
  const { page, failures } = await browser!.page();
  await page.goto(`${serve!.base}/docs`);
  await page.waitForSelector(".opblock-summary-path", { timeout: 20_000 });
  const paths = await page.$$eval(".opblock-summary-path", (els) => els.map((e) => e.getAttribute("data-path") ?? e.textContent ?? ""));
  for (const table of GOLD_TABLE_NAMES) expect(paths).toContain(`/${table}`);
  expect(paths).toContain("/health");
  expect(paths).toContain("/refresh_time/{collection_name}");
  expect(failures).toEqual([]);
}, 60_000);
