import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { StoreError } from "../../src/core/errors.ts";
import type { GoldTableName } from "../../src/contract/gold-tables.ts";
import type { Row } from "../../src/contract/columns.ts";
import type { ReadOptions, ServingStore } from "../../src/serving/serving-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { GOLD, batches, loadedStore, serve } from "./fixture.ts";

/** A real store that can be switched off, failing the way an unreachable Mongo does. */
class SwitchableStore implements ServingStore {
  down = false;
  readonly kind;
  readonly location;
  readonly prefix;
  constructor(private readonly inner: ServingStore) {
    this.kind = inner.kind;
    this.location = inner.location;
    this.prefix = inner.prefix;
  }
  private check() {
    if (this.down) throw new StoreError("unreachable", "serving store mongodb://elt:hunter22@db.example:27017: connection refused");
  }
  async beginExport(runId: string) {
    this.check();
    return this.inner.beginExport(runId);
  }
  async replaceTable(table: GoldTableName, rows: AsyncIterable<Row[]>, runId: string) {
    this.check();
    return this.inner.replaceTable(table, rows, runId);
  }
  async read(table: GoldTableName, options?: ReadOptions) {
    this.check();
    return this.inner.read(table, options);
  }
  async refreshMetadata(collection?: string) {
    this.check();
    return this.inner.refreshMetadata(collection);
  }
  async ping() {
    this.check();
  }
  close() {
    return this.inner.close();
  }
}

let store: ServingStore;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ store, dir, cleanup } = await loadedStore());
});
afterAll(async () => {
  await store.close();
  cleanup();
});

describe("a failing serving store", () => {
  test("→ 503 JSON without secrets, the server stays up, and answers again once the store is back", async () => {
    const switchable = new SwitchableStore(store);
    const api = serve({ store: switchable, secrets: ["hunter22"] });
    try {
      switchable.down = true;
      for (const path of ["/kpis", "/fact_achats?limit=1", "/refresh_time/kpis"]) {
        const { status, body } = await api.get(path);
        expect(status).toBe(503);
        expect(body).toEqual({ error: "serving store mongodb://elt:****@db.example:27017: connection refused" });
      }
      const health = await api.get("/health");
      expect(health.status).toBe(503);
      expect(health.body).toEqual({
        status: "unavailable",
        store: "sqlite",
        error: "serving store mongodb://elt:****@db.example:27017: connection refused",
      });
      expect(api.logs.join("\n")).not.toContain("hunter22");

      switchable.down = false;
      expect((await api.get("/health")).status).toBe(200);
      expect((await api.get("/kpis")).body).toEqual({ data: GOLD.kpis, count: 1 });
    } finally {
      await api.stop();
    }
  });

  test("a table never written → 404 JSON that says to run the pipeline", async () => {
    const empty = openSqliteStore(join(dir, "empty.sqlite"));
    const api = serve({ store: empty });
    try {
      const { status, body } = await api.get("/kpis");
      expect(status).toBe(404);
      expect(body.error).toContain("gold_kpis is not in the serving store yet: run `elt run --all` first");
      const refresh = await api.get("/refresh_time/kpis");
      expect(refresh.status).toBe(404);
      expect(refresh.body).toEqual({ error: "gold_kpis has not been written yet: run `elt run --all` first" });
      expect((await api.get("/health")).body).toEqual({
        status: "empty",
        store: "sqlite",
        tables: 0,
        last_write_end: null,
        hint: "no gold table has been exported to this store yet: run `elt run --all` first",
      });
    } finally {
      await api.stop();
      await empty.close();
    }
  });
});

describe("reads during a replaceTable", () => {
  test("see the whole old table or the whole new one, never an empty or partial one", async () => {
    // The API reads through its own connection, as a separate `elt serve` would.
    const reader = openSqliteStore(join(dir, "serving.sqlite"));
    const api = serve({ store: reader });
    const bigger: Row[] = Array.from({ length: 3000 }, (_, i) => ({ ...GOLD.fact_achats[i % 5]!, id_achat: i + 1 }));
    let writing = true;
    async function* slowly(): AsyncIterable<Row[]> {
      for await (const batch of batches(bigger, 100)) {
        yield batch;
        await Bun.sleep(1); // let readers in between two batches
      }
    }
    try {
      const write = store.replaceTable("fact_achats", slowly(), "run-big").finally(() => {
        writing = false;
      });
      const seen: number[] = [];
      let during = 0;
      const readers = Array.from({ length: 4 }, async () => {
        while (writing) {
          const { status, body } = await api.get("/fact_achats?limit=10&skip=2");
          expect(status).toBe(200);
          if (writing) during++;
          seen.push(body.count);
          expect(body.data.length).toBe(Math.min(10, body.count - 2));
          if (body.count === 8) expect(body.data).toEqual(GOLD.fact_achats.slice(2));
          else expect(body.data).toEqual(bigger.slice(2, 12));
        }
      });
      await Promise.all([write, ...readers]);
      expect(during).toBeGreaterThan(0);
      expect(new Set(seen).size).toBeLessThanOrEqual(2);
      for (const count of seen) expect([8, 3000]).toContain(count);
      expect((await api.get("/fact_achats?limit=1")).body.count).toBe(3000);
      expect((await api.get("/refresh_time/fact_achats")).body.run_id).toBe("run-big");
    } finally {
      await api.stop();
      await reader.close();
    }
  });
});
