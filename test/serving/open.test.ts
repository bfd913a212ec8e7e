import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/environment.ts";
import { collectionName, openServingStore } from "../../src/serving/registry/open.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("without MONGODB_URI the serving store is $ELT_HOME/serving.sqlite, its folder created", async () => {
  dir = mkdtempSync(join(tmpdir(), "elt-open-"));
  const home = join(dir, "nested", ".elt");
  const store = await openServingStore(loadConfig({ ELT_HOME: home }));
  try {
    expect(store.kind).toBe("sqlite");
    expect(store.location).toBe(join(home, "serving.sqlite"));
    expect(store.prefix).toBe("gold_");
    expect(existsSync(join(home, "serving.sqlite"))).toBe(true);
    await store.ping();
  } finally {
    await store.close();
  }
});

test("a collection is named by its prefix and table", () => {
  expect(collectionName("fact_achats", "gold_")).toBe("gold_fact_achats");
  expect(collectionName("kpis", "")).toBe("kpis");
});
