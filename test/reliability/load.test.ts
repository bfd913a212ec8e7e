import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Row } from "../../src/contract/columns.ts";
import { GOLD, batches, loadedStore } from "../api/fixture.ts";
import { ROOT, baseEnv, startServe, type Serving } from "../support/cli.ts";
import { VERSIONS } from "../support/export-loop.ts";

/**
 * The API under load while an export rewrites the tables it serves: `elt serve` in its own
 * process, 16 clients for three seconds, and a writer swapping two versions of each table in
 * a loop. Every answer must be a success and whole: one version or the other, never empty or
 * partial. Speed is not asserted here; the benchmark reports it.
 */

const CLIENTS = 16;
const SECONDS = 3;

let dir: string;
let cleanup: () => void;
let api: Serving;

beforeAll(async () => {
  const loaded = await loadedStore();
  ({ dir, cleanup } = loaded);
  await loaded.store.replaceTable("fact_achats", batches(VERSIONS[0]!.fact, 500), "v0");
  await loaded.store.replaceTable("kpis", batches(VERSIONS[0]!.kpis), "v0");
  await loaded.store.close();
  api = await startServe(baseEnv({ ELT_HOME: dir }));
});
afterAll(async () => {
  await api.stop();
  cleanup();
});

test(`${CLIENTS} clients during an export: zero errors, zero empty or partial answers`, async () => {
  const deadline = Date.now() + SECONDS * 1000;
  const writer = Bun.spawn([process.execPath, join(ROOT, "test/support/export-loop.ts"), join(dir, "serving.sqlite"), String(SECONDS)], {
    stdout: "pipe",
  });

  const figures = { requests: 0, errors: [] as string[], latencies: [] as number[] };
  const client = async (n: number) => {
    const paths = ["/kpis", "/fact_achats?limit=1000", "/agg_jour"];
    for (let i = n; Date.now() < deadline; i++) {
      const path = paths[i % paths.length]!;
      const t0 = performance.now();
      try {
        const res = await fetch(api.base + path);
        const body = (await res.json()) as { data: Row[]; count: number };
        figures.latencies.push(performance.now() - t0);
        figures.requests++;
        const whole =
          path === "/kpis"
            ? body.count === 1 && [3000, 2000].includes(body.data[0]!.nb_achats_total as number)
            : path === "/agg_jour"
              ? body.count === GOLD.agg_jour.length && body.data.length === GOLD.agg_jour.length
              : [3000, 2000].includes(body.count) && body.data.length === 1000 && new Set(body.data.map((r) => r.montant)).size === 1;
        if (res.status !== 200 || !whole) figures.errors.push(`${path}: ${res.status} ${JSON.stringify(body).slice(0, 120)}`);
      } catch (err) {
        figures.errors.push(`${path}: ${String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
  expect(await writer.exited).toBe(0);
  const exports = Number(await new Response(writer.stdout).text());

  const sorted = figures.latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  console.log(
    `load during export: ${figures.requests} requests, ${figures.errors.length} errors, ${exports} exports, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`,
  );
  expect(figures.errors).toEqual([]);
  expect(exports).toBeGreaterThan(1);
  expect(figures.requests).toBeGreaterThan(CLIENTS);
}, 60_000);
