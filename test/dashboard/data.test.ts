import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/api/app.ts";
import { listen } from "../../src/api/listen.ts";
import { SERIES_LIMIT, loadDashboard, loadFromApi, loadLocal, loadServed } from "../../src/dashboard/data.ts";
import { renderFrame } from "../../src/dashboard/render.ts";
import { StoreError } from "../../src/core/errors.ts";
import type { GoldTableName } from "../../src/contract/gold-tables.ts";
import type { Row } from "../../src/contract/columns.ts";
import type { ServingStore } from "../../src/serving/serving-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { exportFixture, goldFixture } from "../support/gold-fixture.ts";
import { NOW, REFRESH, RUNS } from "./fixture.ts";
import { plainLines } from "./support.ts";

type Tables = Partial<Record<GoldTableName, readonly Row[]>>;

/** The gold tables the dashboard reads, as the pipeline made them of the shared fixture's sources. */
const TABLES: Tables = (await goldFixture()).tables;

/** Order keys of the tables a client may sort descending (the API accepts any column; these are the ones used). */
const ORDER_KEY: Partial<Record<GoldTableName, string>> = { agg_jour: "date", agg_semaine: "semaine", agg_mois: "mois" };

interface FakeApi {
  url: string;
  requests: string[];
  stop(): void;
}

/**
 * An HTTP server answering like SPEC's API ({data, count}, limit default 1000, `sort=-column`,
 * /refresh_time/{name}), with an optional API key and a way to make every table fail.
 */
function fakeApi(tables: Tables, options: { apiKey?: string; failWith?: number; refresh?: boolean } = {}): FakeApi {
  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      requests.push(url.pathname + url.search);
      if (options.apiKey && req.headers.get("x-api-key") !== options.apiKey) {
        return Response.json({ error: "missing or wrong API key" }, { status: 401 });
      }
      if (options.failWith) return Response.json({ error: "serving store unavailable" }, { status: options.failWith });
      if (url.pathname === "/refresh_time/kpis") {
        return options.refresh === false
          ? Response.json({ error: "no write recorded for kpis" }, { status: 404 })
          : Response.json({ ...REFRESH, refresh_time_seconds: 300 });
      }
      const table = url.pathname.slice(1) as GoldTableName;
      const rows = tables[table];
      if (!rows) return Response.json({ error: `unknown collection ${table}` }, { status: 404 });
      const sort = url.searchParams.get("sort");
      const ordered = sort && sort === `-${ORDER_KEY[table]}` ? [...rows].reverse() : rows;
      const limit = Number(url.searchParams.get("limit") ?? 1000);
      return Response.json({ data: ordered.slice(0, limit), count: rows.length });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, requests, stop: () => server.stop(true) };
}

/** A port nothing listens on: bound once, then released. */
function deadUrl(): string {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const url = `http://127.0.0.1:${server.port}`;
  server.stop(true);
  return url;
}

let dir: string;
let sqlite: ServingStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "elt-dashboard-"));
  sqlite = openSqliteStore(join(dir, "serving.sqlite"));
  await exportFixture(sqlite, "run-1");
});

afterAll(async () => {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("loadFromApi", () => {
  test("reads the KPIs, the three series oldest first, products, countries and the last write", async () => {
    const api = fakeApi(TABLES);
    try {
      const served = await loadFromApi(api.url);
      expect(served.source).toEqual({ kind: "api", url: api.url });
      // 8 purchases of 1,620.58 € in all, over 6 clients (the orphan included); March 1,240.08 € after February's 230 €.
      expect(served.kpis).toEqual({
        ca_total: 1620.58,
        nb_achats_total: 8,
        panier_moyen: 202.5725,
        nb_clients_uniques: 6,
        montant_moyen_par_client: 270.09666666666664,
        taux_croissance_mensuel: 439.1652173913043,
        montant_median: 40.25,
      });
      expect(served.kpis.montant_moyen_par_client).toBeCloseTo(1620.58 / 6, 12);
      expect(served.kpis.taux_croissance_mensuel).toBeCloseTo(((1240.08 - 230) / 230) * 100, 12);
      expect(served.series.day).toHaveLength(7);
      expect(served.series.day[0]).toEqual({ key: "2024-01-15", ca: 100, achats: 1 });
      expect(served.series.day[4]).toEqual({ key: "2024-03-01", ca: 1219.99, achats: 2 });
      expect(served.series.day[6]).toEqual({ key: "2024-03-10", ca: 0.1, achats: 1 });
      expect(served.series.week.map((p) => [p.key, p.achats])).toEqual([
        ["2024-W03", 2],
        ["2024-W05", 1],
        ["2024-W06", 1],
        ["2024-W09", 2],
        ["2024-W10", 2],
      ]);
      expect(served.series.month.map((p) => [p.key, p.achats])).toEqual([
        ["2024-01", 2],
        ["2024-02", 2],
        ["2024-03", 4],
      ]);
      expect(served.series.month.slice(0, 2).map((p) => p.ca)).toEqual([150.5, 230]);
      expect(served.products.map((p) => [p.name, p.ca])).toEqual([
        ["Laptop", 1300],
        ["Phone", 200.1],
        ["Mouse", 100.49],
        ["Écran", 19.99],
      ]);
      // Shares are gold's part_ca, as served.
      expect(served.products.map((p) => p.share)).toEqual([80.2181934862827, 12.347431166619359, 6.200866356489652, 1.2335089906083008]);
      expect(served.products[0]!.share).toBeCloseTo((1300 / 1620.58) * 100, 12);
      // A country's share is of the whole CA: 1,200 / 1,620.58 = 74.047563… %.
      // The orphan and the client with no country make a row of their own, so the shares add up to 100 %.
      expect(served.countries.map((c) => c.name)).toEqual(["Germany", "France", "España", "日本", "(no country)"]);
      expect(served.countries[0]!.share).toBeCloseTo((1200 / 1620.58) * 100, 12);
      const known = served.countries.slice(0, -1).reduce((n, c) => n + c.ca, 0);
      expect(served.countries.at(-1)!.ca).toBeCloseTo(1620.58 - known, 9);
      expect(served.countries.reduce((n, c) => n + c.share!, 0)).toBeCloseTo(100, 9);
      expect(served.lastWrite).toEqual({ at: Date.parse("2024-03-11T10:00:00.000Z"), runId: "20240311T095900Z-all-ab12" });
    } finally {
      api.stop();
    }
  });

  test("asks only for what a screen shows: no fact table, every table bounded, series newest first", async () => {
    const api = fakeApi(TABLES);
    try {
      await loadFromApi(api.url);
      expect(api.requests.toSorted()).toEqual([
        "/agg_jour?limit=4000&sort=-date",
        "/agg_mois?limit=4000&sort=-mois",
        "/agg_semaine?limit=4000&sort=-semaine",
        "/ca_par_pays?limit=200",
        "/ca_par_produit?limit=200",
        "/kpis",
        "/refresh_time/kpis",
      ]);
    } finally {
      api.stop();
    }
  });

  test("a long history keeps its most recent periods, not the API's first page", async () => {
    const days = Array.from({ length: SERIES_LIMIT + 500 }, (_, i) => ({
      date: new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10),
      ca_total: i,
      panier_moyen: 1,
      nb_achats: 1,
      nb_clients: 1,
    }));
    const api = fakeApi({ ...TABLES, agg_jour: days });
    try {
      const { series } = await loadFromApi(api.url);
      expect(series.day).toHaveLength(SERIES_LIMIT);
      expect(series.day[0]!.key).toBe(days[500]!.date);
      expect(series.day.at(-1)!.key).toBe(days.at(-1)!.date);
    } finally {
      api.stop();
    }
  });

  test("no refresh metadata yet: lastWrite is null", async () => {
    const api = fakeApi(TABLES, { refresh: false });
    try {
      expect((await loadFromApi(api.url)).lastWrite).toBeNull();
    } finally {
      api.stop();
    }
  });

  test("sends the API key; a refused key is access_denied and never echoed", async () => {
    const api = fakeApi(TABLES, { apiKey: "s3cret-key" });
    try {
      expect((await loadFromApi(api.url, "s3cret-key")).kpis.nb_achats_total).toBe(8);
      const err = await loadFromApi(api.url, "wrong-key").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe("access_denied");
      expect((err as StoreError).message).toContain("answered 401: missing or wrong API key (set API_KEY");
      expect((err as StoreError).message).not.toContain("wrong-key");
    } finally {
      api.stop();
    }
  });

  test("data of the wrong shape is a StoreError naming the table and the field", async () => {
    const api = fakeApi({ ...TABLES, kpis: [{ ...TABLES.kpis![0], ca_total: "12" }] });
    try {
      const err = await loadFromApi(api.url).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toStartWith(`API at ${api.url}, table kpis: unexpected data at 0.ca_total:`);
    } finally {
      api.stop();
    }
  });

  test("nothing listening is unreachable, quickly and in one line", async () => {
    const url = deadUrl();
    const err = await loadFromApi(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe("unreachable");
    expect((err as Error).message).toBe(`no API answers at ${url} (ECONNREFUSED)`);
  });

  test("a server that accepts but never answers is unreachable after the timeout", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Promise<Response>(() => {}) });
    try {
      const err = await loadFromApi(`http://127.0.0.1:${server.port}`, undefined, 200).catch((e: unknown) => e);
      expect((err as StoreError).kind).toBe("unreachable");
      expect((err as Error).message).toContain("no answer within 0.2 s");
    } finally {
      server.stop(true);
    }
  });
});

describe("loadLocal", () => {
  test("reads the same figures from a real SQLite serving store as the API serves", async () => {
    const api = fakeApi(TABLES);
    try {
      const [local, remote] = await Promise.all([loadLocal(sqlite), loadFromApi(api.url)]);
      expect(local.source).toEqual({ kind: "local", location: sqlite.location });
      const { source: _a, lastWrite: _b, ...figures } = local;
      const { source: _c, lastWrite: _d, ...expected } = remote;
      expect(figures).toEqual(expected);
      expect(local.lastWrite!.runId).toBe("run-1");
    } finally {
      api.stop();
    }
  });

  test("the real API over that store serves the dashboard the same figures, API key included", async () => {
    const server = listen(createApp({ store: sqlite, apiKey: "k3y-for-test" }), "127.0.0.1", 0);
    try {
      const [local, remote] = await Promise.all([loadLocal(sqlite), loadFromApi(server.url, "k3y-for-test")]);
      expect(remote.source).toEqual({ kind: "api", url: server.url });
      const { source: _a, ...figures } = local;
      const { source: _b, ...expected } = remote;
      expect(figures).toEqual(expected);
    } finally {
      await server.stop();
    }
  });

  test("a store with nothing exported says to run the pipeline", async () => {
    const empty = openSqliteStore(join(dir, "empty.sqlite"));
    try {
      const err = await loadLocal(empty).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toContain("run `elt run --all` first");
    } finally {
      await empty.close();
    }
  });
});

describe("loadServed: choosing the source", () => {
  const opened: string[] = [];
  const openLocal = async () => {
    opened.push("local");
    return sqlite;
  };

  test("auto with no API answering falls back to the local store, and the header says so", async () => {
    const url = deadUrl();
    const served = await loadServed({ kind: "auto", url }, openLocal);
    expect(served.source).toEqual({ kind: "local", location: sqlite.location, apiDown: url });
    const data = { ...served, runs: RUNS, loadedAt: NOW };
    const header = plainLines(renderFrame(data, { view: "overview", granularity: "day", now: NOW }, { width: 200, height: 40 }, false))[0]!;
    expect(header).toContain(`local store ${sqlite.location} (no API answers at ${url})`);
  });

  test("when the fallback fails too, the error tells about both sources", async () => {
    const url = deadUrl();
    const empty = openSqliteStore(join(dir, "never-exported.sqlite"));
    try {
      const err = await loadServed({ kind: "auto", url }, async () => empty).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toStartWith(`no API answers at ${url} (ECONNREFUSED); local store: `);
      expect((err as Error).message).toEndWith("; local store: gold_kpis is not in the serving store yet: run `elt run --all` first");
    } finally {
      await empty.close();
    }
  });

  test("auto with an API answering reads the API and never opens the store", async () => {
    const api = fakeApi(TABLES);
    opened.length = 0;
    try {
      const served = await loadServed({ kind: "auto", url: api.url }, openLocal);
      expect(served.source).toEqual({ kind: "api", url: api.url });
      expect(opened).toEqual([]);
    } finally {
      api.stop();
    }
  });

  test("an API that answers with an error is reported, not silently replaced", async () => {
    const api = fakeApi(TABLES, { failWith: 503 });
    opened.length = 0;
    try {
      const err = await loadServed({ kind: "auto", url: api.url }, openLocal).catch((e: unknown) => e);
      expect((err as StoreError).kind).toBe("failed");
      expect((err as Error).message).toContain("answered 503: serving store unavailable");
      expect(opened).toEqual([]);
    } finally {
      api.stop();
    }
  });

  test("--api never falls back; --local never asks an API", async () => {
    opened.length = 0;
    const err = await loadServed({ kind: "api", url: deadUrl() }, openLocal).catch((e: unknown) => e);
    expect((err as StoreError).kind).toBe("unreachable");
    expect(opened).toEqual([]);
    const local = await loadServed({ kind: "local" }, openLocal);
    expect(local.source).toEqual({ kind: "local", location: sqlite.location });
  });
});

describe("loadDashboard", () => {
  test("adds the runs and the load time; runs that cannot be read are a note, not a failure", async () => {
    const served = () => loadLocal(sqlite);
    const ok = await loadDashboard(served, async () => RUNS, () => NOW);
    expect(ok.runs).toBe(RUNS);
    expect(ok.loadedAt).toBe(NOW);
    expect(ok.runsError).toBeUndefined();
    const failing = await loadDashboard(served, () => Promise.reject(new StoreError("unreachable", "cannot reach S3 at http://minio:9000")));
    expect(failing.runs).toEqual([]);
    expect(failing.runsError).toBe("cannot reach S3 at http://minio:9000");
    expect(failing.kpis.ca_total).toBe(1620.58);
  });
});
