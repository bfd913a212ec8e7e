import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RunHistory } from "../../src/api/runs.ts";
import type { ServingStore } from "../../src/serving/serving-store.ts";
import { GOLD, loadedStore, serve, type Running } from "./fixture.ts";

const KEY = "s3cret-api-key";
let store: ServingStore;
let cleanup: () => void;
let keyed: Running;
let open: Running;

beforeAll(async () => {
  ({ store, cleanup } = await loadedStore());
  // With a run history: its records hold reject samples (names, emails) and must need the key too.
  const runs: RunHistory = {
    list: async () => ({ runs: [], total: 0 }),
    withChecks: async () => [],
    get: async () => null,
    logs: async () => [],
  };
  keyed = serve({ store, apiKey: KEY, runs });
  open = serve({ store });
});
afterAll(async () => {
  await keyed.stop();
  await open.stop();
  await store.close();
  cleanup();
});

describe("API key", () => {
  test.each(["/", "/kpis", "/fact_achats?limit=1", "/refresh_time/kpis", "/runs", "/runs/x", "/runs/x/logs", "/checks", "/nope"])(
    "%s without a key, or with a wrong one → 401 JSON",
    async (path) => {
      for (const headers of <Record<string, string>[]>[{}, { "x-api-key": "wrong" }, { authorization: `Bearer ${KEY}x` }, { authorization: KEY }]) {
        const { status, body, headers: out } = await keyed.get(path, headers);
        expect(status).toBe(path === "/nope" ? 404 : 401);
        if (status === 401) {
          expect(body).toEqual({
            error: "missing or wrong API key: send it in the x-api-key header or as Authorization: Bearer",
          });
          expect(out.get("www-authenticate")).toBe('Bearer realm="elt"');
        }
        expect(JSON.stringify(body)).not.toContain(KEY);
      }
    },
  );

  test("the key is accepted in x-api-key or as a Bearer token", async () => {
    for (const headers of <Record<string, string>[]>[{ "x-api-key": KEY }, { authorization: `Bearer ${KEY}` }, { authorization: `bearer ${KEY}` }]) {
      const { status, body } = await keyed.get("/kpis", headers);
      expect(status).toBe(200);
      expect(body).toEqual({ data: GOLD.kpis, count: 1 });
    }
  });

  test("/health, the docs and CORS preflights need no key", async () => {
    expect((await keyed.get("/health")).status).toBe(200);
    expect((await fetch(`${keyed.url}/docs`)).status).toBe(200);
    const doc = (await keyed.get("/docs/json")).body;
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["apiKey", "bearer"]);
    expect(doc.paths["/health"].get.security).toEqual([]);
    const preflight = await fetch(`${keyed.url}/kpis`, {
      method: "OPTIONS",
      headers: { origin: "http://x.example", "access-control-request-method": "GET", "access-control-request-headers": "x-api-key" },
    });
    expect(preflight.status).toBe(204);
  });

  test("without a configured key nothing asks for one", async () => {
    expect((await open.get("/kpis")).status).toBe(200);
    expect((await open.get("/")).status).toBe(200);
  });
});
