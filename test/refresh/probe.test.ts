import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ApiClient } from "../../src/refresh/client.ts";
import { probe } from "../../src/refresh/probe.ts";
import type { Stats } from "../../src/refresh/stats.ts";
import type { ServingStore } from "../../src/serving/serving-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { GOLD, loadedStore, serve } from "../api/fixture.ts";

let store: ServingStore;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ store, dir, cleanup } = await loadedStore("run-1"));
});
afterAll(async () => {
  await store.close();
  cleanup();
});

function expectSane(stats: Stats, count: number) {
  expect(stats.count).toBe(count);
  expect(stats.min).toBeGreaterThanOrEqual(0);
  expect(stats.min).toBeLessThanOrEqual(stats.median);
  expect(stats.median).toBeLessThanOrEqual(stats.p95);
  expect(stats.p95).toBeLessThanOrEqual(stats.max);
}

async function expectRestored(s: ServingStore, tables: ("kpis" | "agg_mois")[]) {
  for (const table of tables) {
    const [meta] = await s.refreshMetadata(`gold_${table}`);
    expect(meta!.run_id).toBe("run-1");
    expect((await s.read(table)).rows).toEqual(GOLD[table]);
  }
}

describe("probe", () => {
  test("times each write until the API shows it, then restores the original run_id", async () => {
    const reader = openSqliteStore(join(dir, "serving.sqlite"));
    const api = serve({ store: reader });
    try {
      const before = await new ApiClient(api.url).refreshTime("gold_kpis");
      const report = await probe({
        store,
        api: new ApiClient(api.url),
        tables: ["kpis", "agg_mois"],
        iterations: 3,
        timeoutMs: 10_000,
        pollMs: 1,
      });
      expect(report.iterations).toBe(3);
      expect(report.samples.map((s) => [s.collection, s.iteration])).toEqual([
        ["gold_kpis", 1],
        ["gold_agg_mois", 1],
        ["gold_kpis", 2],
        ["gold_agg_mois", 2],
        ["gold_kpis", 3],
        ["gold_agg_mois", 3],
      ]);
      for (const s of report.samples) {
        expect(s.run_id).toMatch(new RegExp(`^probe-\\d+-${s.iteration}$`));
        expect(s.polls).toBeGreaterThanOrEqual(1);
      }
      expect(report.collections.map((c) => [c.collection, c.rows])).toEqual([
        ["gold_kpis", 1],
        ["gold_agg_mois", 3],
      ]);
      for (const c of report.collections) {
        expectSane(c.propagation_ms, 3);
        expectSane(c.write_ms, 3);
        expect(c.before.run_id).toBe("run-1");
      }
      expect(report.collections[0]!.before).toMatchObject({ ...before, refresh_time_seconds: expect.any(Number) });
      expectSane(report.overall.propagation_ms, 6);
      await expectRestored(store, ["kpis", "agg_mois"]);
      expect((await api.get("/refresh_time/kpis")).body.run_id).toBe("run-1");
    } finally {
      await api.stop();
      await reader.close();
    }
  });

  test("an API serving another store never shows the write: a clear error, and the table is still restored", async () => {
    const other = await loadedStore("other-run");
    const api = serve({ store: other.store });
    try {
      const attempt = probe({ store, api: new ApiClient(api.url), tables: ["kpis"], iterations: 2, timeoutMs: 50, pollMs: 5 });
      await expect(attempt).rejects.toThrow(
        `the API at ${api.url} did not show the write to gold_kpis within 0.05 s: is it serving ${store.location}?`,
      );
      await expectRestored(store, ["kpis"]);
    } finally {
      await api.stop();
      await other.store.close();
      other.cleanup();
    }
  });
});
