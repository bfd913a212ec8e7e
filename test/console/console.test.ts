import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatEuro, formatInt, formatPercent } from "../../src/ui/format.ts";
import { browserMissing, offlineBrowser, type OfflineBrowser } from "../support/browser.ts";
import { ROOT, startServe, type Serving } from "../support/cli.ts";
import { compiledElt } from "../support/compiled.ts";

/**
 * The web console as a user opens it: the compiled executable serves a lake it built, and
 * headless Chromium, with every host but 127.0.0.1 unresolvable, reads it. Screenshots of each
 * page at 1280×800 go to test/.output/console/.
 */

if (browserMissing) console.warn(`skipping the console tests: ${browserMissing}`);

const SHOTS = join(ROOT, "test", ".output", "console");
let dir: string;
let elt: string;
let env: Record<string, string>;
let serve: Serving | undefined;
let base = "";
let browser: OfflineBrowser | undefined;

const run = (...args: string[]) => {
  const p = Bun.spawnSync([elt, ...args], { env });
  if (p.exitCode !== 0) throw new Error(`elt ${args.join(" ")} failed: ${p.stderr.toString()}`);
};
const api = async <T>(path: string): Promise<T> => (await (await fetch(`${base}${path}`)).json()) as T;

beforeAll(async () => {
  if (browserMissing) return;
  dir = await mkdtemp(join(tmpdir(), "elt-console-"));
  elt = join(dir, "elt");
  await copyFile(await compiledElt(), elt);
  env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, NO_COLOR: "1", ELT_HOME: join(dir, "home") };
  run("generate", "--clients", "300", "--seed", "7", "--as-of", "2025-06-30", "--out", join(dir, "src"));
  run("run", "--all", "--sources", join(dir, "src"), "--as-of", "2025-06-30");
  // A schedule whose first run is months away: the page shows it, and no run changes the lake meanwhile.
  serve = await startServe(env, dir, [elt], ["--cron", "30 4 1 1 *", "--sources", join(dir, "src")]);
  base = serve.base;
  // It says where the console is.
  expect(serve.output()).toContain(`console: ${base}/ui`);
  await mkdir(SHOTS, { recursive: true });
  browser = await offlineBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(browserMissing !== null)("the web console", () => {
  test("the overview's tiles show /kpis as the terminal formats them; day, week and month chart every row of their table", async () => {
    const { page, failures } = await browser!.page();
    await page.goto(`${base}/ui#/overview`);
    await page.waitForSelector(".plot[data-points]");
    const kpis = (await api<{ data: Record<string, number | null>[] }>("/kpis")).data[0]!;
    const tile = (id: string) => page.textContent(`[data-kpi="${id}"] .value`);
    expect(await tile("ca_total")).toBe(formatEuro(kpis.ca_total!));
    expect(await tile("nb_achats_total")).toBe(formatInt(kpis.nb_achats_total!));
    expect(await tile("panier_moyen")).toBe(formatEuro(kpis.panier_moyen!));
    expect(await tile("taux_croissance_mensuel")).toBe(formatPercent(kpis.taux_croissance_mensuel!, 1, true));
    expect(await tile("nb_clients_uniques")).toBe(formatInt(kpis.nb_clients_uniques!));
    expect(await tile("montant_median")).toBe(formatEuro(kpis.montant_median!));
    await page.screenshot({ path: join(SHOTS, "overview.png") });
    for (const [granularity, table] of [["day", "agg_jour"], ["week", "agg_semaine"], ["month", "agg_mois"]] as const) {
      await page.click(`button[data-granularity="${granularity}"]`);
      await page.waitForSelector(`.plot[data-granularity="${granularity}"][data-points]`);
      const points = Number(await page.getAttribute(".plot", "data-points"));
      expect(points).toBe((await api<{ count: number }>(`/${table}`)).count);
      expect(await page.textContent("[data-range]")).toContain("(the whole range)");
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test("the breakdown's country shares add up to 100 % with a row for purchases without a country", async () => {
    const { page, failures } = await browser!.page();
    await page.goto(`${base}/ui#/breakdown`);
    await page.waitForSelector('[data-shares="countries"] tr[data-name]');
    const names = await page.$$eval('[data-shares="countries"] tr[data-name]', (rows) => rows.map((r) => r.getAttribute("data-name")));
    expect(names.at(-1)).toBe("(no country)");
    const shares = await page.$$eval('[data-shares="countries"] [data-share]', (cells) => cells.map((c) => Number.parseFloat(c.textContent!.replace(",", ""))));
    expect(Math.abs(shares.reduce((a, b) => a + b, 0) - 100)).toBeLessThan(0.1 * shares.length);
    await page.screenshot({ path: join(SHOTS, "breakdown.png") });
    expect(failures).toEqual([]);
  }, 60_000);

  test("the pipeline lists the runs with their states and opens one with its tasks and checks", async () => {
    const { page, failures } = await browser!.page();
    await page.goto(`${base}/ui#/pipeline`);
    await page.waitForSelector("[data-runs] tr[data-run]");
    const runs = (await api<{ data: { id: string; state: string; tasks: unknown[] }[] }>("/runs")).data;
    const listed = await page.$$eval("[data-runs] tr[data-run]", (rows) => rows.map((r) => [r.getAttribute("data-run"), r.querySelector("td")!.textContent]));
    expect(listed).toEqual(runs.map((r) => [r.id, r.state]));
    expect(await page.textContent("[data-schedule]")).toBe("schedule: cron 30 4 1 1 * UTC · next run 04:30 UTC");
    await page.screenshot({ path: join(SHOTS, "pipeline.png") });
    await page.click(`a[href="#/runs/${encodeURIComponent(runs[0]!.id)}"]`);
    await page.waitForSelector(`[data-run-page="${runs[0]!.id}"]`);
    expect(await page.$$eval("[data-task]", (rows) => rows.length)).toBe(runs[0]!.tasks.length);
    // gold audits its tables: its checks are listed with their outcomes.
    expect(await page.textContent("[data-run-checks]")).toContain("gold_reconciliation");
    expect(await page.textContent("[data-outputs]")).toContain("gold/fact_achats.parquet, .csv");
    await page.screenshot({ path: join(SHOTS, "run.png") });
    expect(failures).toEqual([]);
  }, 60_000);

  test("a new export shows up without a reload", async () => {
    const { page, failures } = await browser!.page();
    await page.goto(`${base}/ui#/overview`);
    await page.waitForSelector("#status:has-text('checked')");
    expect(await page.textContent("#status")).toContain("watching for new data");
    run("run", "export", "--force");
    await page.waitForSelector("#status:has-text('data changed at')", { timeout: 20_000 });
    expect(failures).toEqual([]);
  }, 60_000);

  test("usable on a phone-width screen: nothing wider than the screen", async () => {
    const { page, failures } = await browser!.page({ width: 390, height: 844 });
    await page.goto(`${base}/ui#/overview`);
    await page.waitForSelector(".plot[data-points]");
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    expect(failures).toEqual([]);
  }, 60_000);
});
