import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { GOLD_TABLES, GOLD_TABLE_NAMES } from "../../src/contract/gold-tables.ts";
import type { Row } from "../../src/contract/columns.ts";
import type { ServingStore } from "../../src/serving/serving-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { GOLD, batches, loadedStore, serve, type Running } from "./fixture.ts";

let store: ServingStore;
let cleanup: () => void;
let api: Running;

beforeAll(async () => {
  ({ store, cleanup } = await loadedStore("run-1"));
  api = serve({ store });
});
afterAll(async () => {
  await api.stop();
  await store.close();
  cleanup();
});

const ids = (body: { data: { id_achat: number }[] }) => body.data.map((r) => r.id_achat);
const LARGEST_ID = Number.MAX_SAFE_INTEGER;

describe("table endpoints", () => {
  test.each(GOLD_TABLE_NAMES)("/%s answers every loaded row, in gold order, gold columns only", async (table) => {
    const { status, body, headers } = await api.get(`/${table}`);
    expect(status).toBe(200);
    expect(headers.get("content-type")).toContain("application/json");
    expect(body).toEqual({ data: GOLD[table], count: GOLD[table].length });
    for (const row of body.data) expect(Object.keys(row)).toEqual(GOLD_TABLES[table].columns.map((c) => c.name));
  });

  test("limit and skip page through the rows; count is the whole result", async () => {
    const { body } = await api.get("/fact_achats?limit=2&skip=1");
    expect(ids(body)).toEqual([2, 3]);
    expect(body.count).toBe(8);
    expect((await api.get("/fact_achats?skip=7")).body).toEqual({ data: [GOLD.fact_achats[7]], count: 8 });
    expect((await api.get("/fact_achats?skip=8")).body).toEqual({ data: [], count: 8 });
    expect((await api.get("/ca_par_pays?limit=1")).body).toEqual({ data: [GOLD.ca_par_pays[0]], count: 4 });
  });

  test("fact_achats filters: dates inclusive, pays, produit, id_client", async () => {
    const range = (await api.get("/fact_achats?date_from=2024-01-20&date_to=2024-02-10")).body;
    expect(ids(range)).toEqual([2, 3, 4]);
    expect(range.count).toBe(3);
    expect(ids((await api.get("/fact_achats?date_from=2024-02-04")).body)).toEqual([4, 5, 6, 7, LARGEST_ID]);
    expect(ids((await api.get("/fact_achats?date_to=2024-01-15")).body)).toEqual([1]);
    expect(ids((await api.get("/fact_achats?pays=Germany")).body)).toEqual([5]);
    // Reference values match whatever their case, as the silver layer does.
    expect(ids((await api.get("/fact_achats?produit=mouse")).body)).toEqual([2, 4, 7]);
    expect(ids((await api.get("/fact_achats?id_client=10")).body)).toEqual([1, 3]);
    expect((await api.get("/fact_achats?pays=Narnia")).body).toEqual({ data: [], count: 0 });
    const paged = (await api.get("/fact_achats?produit=Laptop&limit=1&skip=1")).body;
    expect(ids(paged)).toEqual([5]);
    expect(paged.count).toBe(2);
  });

  test("sort by a column, ascending or descending, ties in gold order", async () => {
    // 6 and 7 tie at 19.99; "Écran" sorts after "Phone" in byte order.
    expect(ids((await api.get("/fact_achats?sort=-montant")).body)).toEqual([5, 3, 1, 2, 4, 6, 7, LARGEST_ID]);
    expect(ids((await api.get("/fact_achats?sort=produit")).body)).toEqual([1, 5, 2, 4, 7, 3, LARGEST_ID, 6]);
    expect(ids((await api.get("/fact_achats?sort=-date_achat&pays=France")).body)).toEqual([3, 1]);
    const months = (await api.get("/agg_mois?sort=-ca_total")).body.data.map((r: { mois: string }) => r.mois);
    expect(months).toEqual(["2024-03", "2024-02", "2024-01"]);
  });

  test.each([
    ["/fact_achats?limit=0", "limit must be an integer between 1 and 10000"],
    ["/fact_achats?limit=10001", "limit must be an integer between 1 and 10000"],
    ["/kpis?limit=abc", "limit must be an integer between 1 and 10000"],
    ["/fact_achats?limit=1e3", "limit must be an integer between 1 and 10000"],
    ["/fact_achats?skip=-1", "skip must be an integer of at least 0"],
    ["/fact_achats?date_from=2024-13-01", "date_from must be a calendar date written YYYY-MM-DD"],
    ["/fact_achats?date_to=2023-02-29", "date_to must be a calendar date written YYYY-MM-DD"],
    ["/fact_achats?date_from=2024-03-01&date_to=2024-01-01", "date_from must not be after date_to"],
    ["/fact_achats?id_client=0", "id_client must be an integer of at least 1"],
    ["/fact_achats?pays=", "pays must not be empty"],
  ])("%s → 400 %s", async (path, message) => {
    const { status, body } = await api.get(path);
    expect(status).toBe(400);
    expect(body).toEqual({ error: message });
  });

  test("a bad sort or an unknown parameter names what is allowed", async () => {
    const sort = await api.get("/fact_achats?sort=nope");
    expect(sort.status).toBe(400);
    expect(sort.body.error).toBe(
      "sort must be a column of fact_achats, prefixed with - for descending order: " +
        "id_achat, id_client, date_achat, montant, produit, nom, email, date_inscription, pays",
    );
    const unknown = await api.get("/kpis?pays=France");
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('unknown parameter "pays"; /kpis accepts limit, skip, sort');
  });
});

describe("refresh_time", () => {
  test("answers the last write under the table or the collection name, with the data's age", async () => {
    const [meta] = await store.refreshMetadata("gold_kpis");
    for (const name of ["kpis", "gold_kpis"]) {
      const before = Date.now();
      const { status, body } = await api.get(`/refresh_time/${name}`);
      const after = Date.now();
      expect(status).toBe(200);
      expect(body).toMatchObject({ ...meta, collection: "gold_kpis", run_id: "run-1", record_count: 1 });
      const written = Date.parse(meta!.write_end);
      expect(body.refresh_time_seconds).toBeGreaterThanOrEqual((before - written) / 1000);
      expect(body.refresh_time_seconds).toBeLessThanOrEqual((after - written) / 1000);
    }
  });

  test.each(["nope", "_refresh_metadata", "gold_", "gold_gold_kpis", "KPIS"])("unknown collection %s → 404 JSON", async (name) => {
    const { status, body } = await api.get(`/refresh_time/${name}`);
    expect(status).toBe(404);
    expect(body.error).toStartWith(`unknown collection "${name}": expected one of fact_achats, kpis,`);
  });
});

describe("the rest of the surface", () => {
  test("/ lists every endpoint", async () => {
    const { status, body } = await api.get("/");
    expect(status).toBe(200);
    expect(body.endpoints.map((e: { path: string }) => e.path)).toEqual([
      "/health",
      ...GOLD_TABLE_NAMES.map((t) => `/${t}`),
      "/refresh_time/{collection_name}",
      "/ui",
    ]);
    expect(body.docs).toBe("/docs");
  });

  test("/health reports the store", async () => {
    const { status, body } = await api.get("/health");
    expect(status).toBe(200);
    const metas = await store.refreshMetadata();
    expect(body).toEqual({
      status: "ok",
      store: "sqlite",
      tables: 10,
      last_write_end: metas.map((m) => m.write_end).sort().at(-1),
    });
  });

  test("/docs is a page and /docs/json an OpenAPI document listing every endpoint", async () => {
    const page = await fetch(`${api.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("docs/json");
    const doc = (await api.get("/docs/json")).body;
    expect(doc.openapi).toStartWith("3.");
    expect(Object.keys(doc.paths).sort()).toEqual(
      ["/", "/health", "/refresh_time/{collection_name}", ...GOLD_TABLE_NAMES.map((t) => `/${t}`)].sort(),
    );
    const fact = doc.paths["/fact_achats"].get;
    expect(fact.parameters.map((p: { name: string }) => p.name)).toEqual([
      "limit",
      "skip",
      "sort",
      "date_from",
      "date_to",
      "pays",
      "produit",
      "id_client",
    ]);
    expect(fact.parameters[0].schema).toMatchObject({ type: "integer", minimum: 1, maximum: 10000, default: 1000 });
    expect(fact.description).toContain("`count` is the number of rows matching the filters");
    expect(doc.components.schemas.kpis.required).toEqual(GOLD_TABLES.kpis.columns.map((c) => c.name));
    expect(doc.components.securitySchemes).toBeUndefined();
  });

  test("unknown route → 404 JSON; other methods → 405 JSON", async () => {
    const missing = await api.get("/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain("no endpoint /nope");
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      for (const path of ["/kpis", "/nope"]) {
        const response = await fetch(`${api.url}${path}`, { method });
        expect(response.status).toBe(405);
        expect(response.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
        expect(await response.json()).toEqual({ error: `${method} is not allowed: this API is read-only (GET)` });
      }
    }
  });

  test("CORS is open to any origin, for reading", async () => {
    const simple = await fetch(`${api.url}/kpis`, { headers: { origin: "http://dashboard.example" } });
    expect(simple.headers.get("access-control-allow-origin")).toBe("http://dashboard.example");
    expect(simple.headers.get("access-control-expose-headers")).toBe("etag, x-elt-run");
    const preflight = await fetch(`${api.url}/fact_achats`, {
      method: "OPTIONS",
      headers: { origin: "http://x.example", "access-control-request-method": "GET", "access-control-request-headers": "x-api-key" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://x.example");
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, HEAD");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("x-api-key");
  });

  test("HEAD answers the headers of GET without a body", async () => {
    const response = await fetch(`${api.url}/kpis`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("etag")).toBeTruthy();
    expect(await response.text()).toBe("");
  });

  test("one log line per request: method, path, status, duration", async () => {
    const from = api.logs.length;
    await api.get("/dim_dates?limit=1");
    await api.get("/dim_produits?limit=0");
    await api.get("/nope-logged");
    await fetch(`${api.url}/agg_semaine`, { method: "DELETE" });
    const mine = () => api.logs.slice(from).filter((l) => /\/(dim_dates|dim_produits|nope-logged|agg_semaine) /.test(l));
    // A line is written once its response is out: wait for the server's turn, not for a time.
    while (mine().length < 4) await Bun.sleep(1);
    expect(mine().map((l) => l.replace(/ \d+\.\dms$/, " <ms>"))).toEqual([
      "GET /dim_dates 200 <ms>",
      "GET /dim_produits 400 <ms>",
      "GET /nope-logged 404 <ms>",
      "DELETE /agg_semaine 405 <ms>",
    ]);
  });
});

describe("ETag", () => {
  test("If-None-Match with the current tag → 304; another query or a rewrite → a new tag", async () => {
    const first = await fetch(`${api.url}/agg_jour?limit=2`);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get("cache-control")).toBe("no-cache");

    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const again = await fetch(`${api.url}/agg_jour?limit=2`, { headers: { "if-none-match": tag } });
      expect(again.status).toBe(304);
      expect(again.headers.get("etag")).toBe(etag);
      expect(await again.text()).toBe("");
    }
    const stale = await fetch(`${api.url}/agg_jour?limit=2`, { headers: { "if-none-match": '"other"' } });
    expect(stale.status).toBe(200);

    const otherQuery = await fetch(`${api.url}/agg_jour?limit=3`);
    expect(otherQuery.headers.get("etag")).not.toBe(etag);

    await store.replaceTable("agg_jour", batches(GOLD.agg_jour), "run-2");
    const rewritten = await fetch(`${api.url}/agg_jour?limit=2`, { headers: { "if-none-match": etag } });
    expect(rewritten.status).toBe(200);
    expect(rewritten.headers.get("etag")).not.toBe(etag);
    expect(((await rewritten.json()) as { data: unknown }).data).toEqual(GOLD.agg_jour.slice(0, 2));
  });
});

describe("paging defaults (SPEC: fact_achats and dim_clients page, every other table comes whole)", () => {
  /** `n` consecutive days from 2020-01-01, one purchase of `day number` euros each. */
  const days = (n: number): Row[] =>
    Array.from({ length: n }, (_, i) => ({
      date: new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10),
      ca_total: i + 1,
      panier_moyen: i + 1,
      nb_achats: 1,
      nb_clients: 1,
    }));
  const DAYS = 1500;

  test("/agg_jour answers every day of a lake with more than 1000 days, unless limit is given", async () => {
    const { store: big, cleanup: remove } = await loadedStore("run-big");
    const bigApi = serve({ store: big });
    try {
      const daily = days(DAYS);
      await big.replaceTable("agg_jour", batches(daily, 400), "run-big");
      const whole = await bigApi.get("/agg_jour");
      expect(whole.status).toBe(200);
      expect(whole.body).toEqual({ data: daily, count: DAYS });
      expect((await bigApi.get("/agg_jour?limit=3&skip=1200")).body).toEqual({ data: daily.slice(1200, 1203), count: DAYS });
      expect((await bigApi.get("/agg_jour?skip=1499")).body).toEqual({ data: daily.slice(1499), count: DAYS });
      expect((await bigApi.get("/agg_jour?limit=10001")).status).toBe(400);
    } finally {
      await bigApi.stop();
      await big.close();
      remove();
    }
  });

  test("/fact_achats and /dim_clients still come 1000 rows at a time by default", async () => {
    const { store: big, cleanup: remove } = await loadedStore("run-big");
    const bigApi = serve({ store: big });
    try {
      const clients = Array.from({ length: 1200 }, (_, i) => ({ ...GOLD.dim_clients[0]!, id_client: i + 1 }));
      const purchases = Array.from({ length: 1200 }, (_, i) => ({ ...GOLD.fact_achats[0]!, id_achat: i + 1 }));
      await big.replaceTable("dim_clients", batches(clients, 500), "run-big");
      await big.replaceTable("fact_achats", batches(purchases, 500), "run-big");
      for (const [table, rows] of [["dim_clients", clients], ["fact_achats", purchases]] as const) {
        expect((await bigApi.get(`/${table}`)).body).toEqual({ data: rows.slice(0, 1000), count: 1200 });
        expect((await bigApi.get(`/${table}?limit=1200`)).body).toEqual({ data: rows, count: 1200 });
      }
    } finally {
      await bigApi.stop();
      await big.close();
      remove();
    }
  });

  test("the OpenAPI document says which tables page and which come whole", async () => {
    const doc = (await api.get("/docs/json")).body;
    for (const table of GOLD_TABLE_NAMES) {
      const limit = doc.paths[`/${table}`].get.parameters.find((p: { name: string }) => p.name === "limit");
      if (table === "fact_achats" || table === "dim_clients") {
        expect(limit.schema.default).toBe(1000);
        expect(limit.description).toBe("Rows per page, 1 to 10000 (default 1000).");
      } else {
        expect(limit.schema.default).toBeUndefined();
        expect(limit.description).toBe("Rows per page, 1 to 10000 (default: the whole table).");
      }
      expect(limit.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 10000 });
    }
  });
});

describe("/health counts this store's prefix only", () => {
  test("tables of another prefix in the same database are not this API's tables", async () => {
    const { store: mine, dir, cleanup: remove } = await loadedStore("run-1");
    const other = openSqliteStore(join(dir, "serving.sqlite"), { prefix: "other_" });
    const mineApi = serve({ store: mine });
    const otherApi = serve({ store: other });
    try {
      const before = await mineApi.get("/health");
      await Bun.sleep(2);
      await other.replaceTable("kpis", batches(GOLD.kpis), "run-other");
      const otherMeta = await other.replaceTable("agg_mois", batches(GOLD.agg_mois), "run-other");
      expect((await mine.refreshMetadata()).length).toBe(12);
      expect((await mineApi.get("/health")).body).toEqual(before.body);
      expect(before.body).toMatchObject({ status: "ok", tables: 10 });
      expect((await otherApi.get("/health")).body).toEqual({
        status: "ok",
        store: "sqlite",
        tables: 2,
        last_write_end: otherMeta.write_end,
      });
    } finally {
      await mineApi.stop();
      await otherApi.stop();
      await other.close();
      await mine.close();
      remove();
    }
  });

  test("a store holding only another prefix's tables is empty, with what to run", async () => {
    const { store: others, dir, cleanup: remove } = await loadedStore("run-1");
    const mine = openSqliteStore(join(dir, "serving.sqlite"), { prefix: "mine_" });
    const mineApi = serve({ store: mine });
    try {
      const { status, body } = await mineApi.get("/health");
      expect(status).toBe(200);
      expect(body).toEqual({
        status: "empty",
        store: "sqlite",
        tables: 0,
        last_write_end: null,
        hint: "no gold table has been exported to this store yet: run `elt run --all` first",
      });
      await mine.replaceTable("kpis", batches(GOLD.kpis), "run-2");
      expect((await mineApi.get("/health")).body).toMatchObject({ status: "ok", tables: 1 });
    } finally {
      await mineApi.stop();
      await mine.close();
      await others.close();
      remove();
    }
  });
});
