import { afterEach, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { AnswerCache, type Answer } from "../../src/api/answer-cache.ts";
import type { ServingStore } from "../../src/serving/serving-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { GOLD, batches, loadedStore, serve, type Running } from "./fixture.ts";

/**
 * Answers are encoded once per data version and served again as bytes: a second request must
 * get exactly what the first got, and a write must be seen by the very next request, whichever
 * connection or process wrote it.
 */

const closing: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

async function served(options: { apiKey?: string; store?: (store: ServingStore) => ServingStore } = {}) {
  const loaded = await loadedStore("run-1");
  const api = serve({ store: options.store ? options.store(loaded.store) : loaded.store, apiKey: options.apiKey });
  closing.push(loaded.cleanup, () => loaded.store.close(), () => api.stop());
  return { ...loaded, api };
}

/** Status, body and every header but Date, which Bun.serve sets per response. */
async function raw(api: Running, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(api.url + path, { headers });
  const kept = [...res.headers].filter(([name]) => name !== "date");
  return { status: res.status, headers: Object.fromEntries(kept), body: await res.text() };
}

describe("served again", () => {
  test("a repeated request gets the same bytes and headers as the first", async () => {
    const { api } = await served();
    for (const path of ["/kpis", "/agg_jour", "/fact_achats?limit=3&sort=-montant", "/fact_achats?pays=france"]) {
      const first = await raw(api, path);
      expect(first.status).toBe(200);
      for (let i = 0; i < 3; i++) expect(await raw(api, path)).toEqual(first);
    }
    // And with CORS: the origin is echoed, not the one of an earlier request.
    const cors = await raw(api, "/kpis", { origin: "http://a.example" });
    expect(cors.headers["access-control-allow-origin"]).toBe("http://a.example");
    expect((await raw(api, "/kpis", { origin: "http://b.example" })).headers["access-control-allow-origin"]).toBe("http://b.example");
  });

  test("every answer is logged, served again or not", async () => {
    const { api } = await served();
    for (let i = 0; i < 3; i++) await raw(api, "/kpis?limit=1");
    await Bun.sleep(5);
    expect(api.logs.filter((l) => /^GET \/kpis 200 \d+\.\dms$/.test(l))).toHaveLength(3);
  });

  test("the API key is still asked for on an answer already cached", async () => {
    const { api } = await served({ apiKey: "s3cret-key" });
    const ok = await raw(api, "/kpis", { "x-api-key": "s3cret-key" });
    expect(ok.status).toBe(200);
    expect((await raw(api, "/kpis", { "x-api-key": "s3cret-key" })).body).toBe(ok.body);
    for (const headers of [{}, { "x-api-key": "wrong" }, { authorization: "Bearer wrong" }] as Record<string, string>[]) {
      const refused = await raw(api, "/kpis", headers);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body).error).toContain("API key");
    }
    expect((await raw(api, "/kpis", { authorization: "Bearer s3cret-key" })).body).toBe(ok.body);
  });

  test("If-None-Match on a cached answer → 304 with its tag", async () => {
    const { api } = await served();
    const first = await raw(api, "/agg_mois");
    const again = await raw(api, "/agg_mois", { "if-none-match": first.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.body).toBe("");
  });
});

describe("a write is seen by the next request", () => {
  const rewrite = async (store: ServingStore, run: string) => {
    await store.replaceTable("kpis", batches([{ ...GOLD.kpis[0]!, ca_total: 1 }]), run);
  };

  test("written through the connection that serves", async () => {
    const { api, store } = await served();
    const before = await raw(api, "/kpis");
    await raw(api, "/kpis");
    await rewrite(store, "run-2");
    const after = await raw(api, "/kpis");
    expect(JSON.parse(after.body).data[0].ca_total).toBe(1);
    expect(after.headers["x-elt-run"]).toBe("run-2");
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });

  test("written by another connection (another process's export)", async () => {
    const { api, dir } = await served();
    await raw(api, "/kpis");
    await raw(api, "/kpis");
    const writer = openSqliteStore(join(dir, "serving.sqlite"));
    closing.push(() => writer.close());
    await rewrite(writer, "run-2");
    const after = await raw(api, "/kpis");
    expect(JSON.parse(after.body).data[0].ca_total).toBe(1);
    expect(after.headers["x-elt-run"]).toBe("run-2");
  });

  test("on a store without a data version (the metadata is read per request)", async () => {
    // Only what the ServingStore interface requires: MongoDB's store has no dataVersion.
    const { api, store } = await served({
      store: (s) => ({
        kind: s.kind,
        location: s.location,
        prefix: s.prefix,
        beginExport: (run) => s.beginExport(run),
        replaceTable: (t, b, run) => s.replaceTable(t, b, run),
        read: (t, o) => s.read(t, o),
        refreshMetadata: (c) => s.refreshMetadata(c),
        ping: () => s.ping(),
        close: () => s.close(),
      }),
    });
    expect(JSON.parse((await raw(api, "/kpis")).body).data[0].ca_total).toBe(GOLD.kpis[0]!.ca_total);
    await raw(api, "/kpis");
    await rewrite(store, "run-2");
    expect(JSON.parse((await raw(api, "/kpis")).body).data[0].ca_total).toBe(1);
  });

  test("a removed store file is a 503 in JSON, not the cached answer", async () => {
    const { api, store, dir } = await served();
    await raw(api, "/kpis");
    await raw(api, "/kpis");
    await store.close();
    rmSync(join(dir, "serving.sqlite"));
    const gone = await raw(api, "/kpis");
    expect(gone.status).toBe(503);
    expect(JSON.parse(gone.body).error).toContain("was removed");
  });
});

describe("AnswerCache", () => {
  const answer = (bytes: number): Answer => ({ etag: '"t"', run: "r", body: new Uint8Array(bytes), storeVersion: "1" });

  test("holds at most its budget, dropping the least recently used first", () => {
    const cache = new AnswerCache(10_000);
    cache.set("/a", answer(4000));
    cache.set("/b", answer(4000));
    cache.get("/a");
    cache.set("/c", answer(4000));
    expect(cache.size).toBeLessThanOrEqual(10_000);
    expect([cache.get("/a"), cache.get("/b"), cache.get("/c")].map(Boolean)).toEqual([true, false, true]);
  });

  test("an answer bigger than the budget is not kept, and replacing one frees the old", () => {
    const cache = new AnswerCache(10_000);
    cache.set("/big", answer(20_000));
    expect(cache.get("/big")).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set("/a", answer(3000));
    const one = cache.size;
    cache.set("/a", answer(3000));
    expect(cache.size).toBe(one);
  });
});
