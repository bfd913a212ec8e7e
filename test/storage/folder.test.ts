import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/core/errors.ts";
import { FolderStore } from "../../src/storage/folder.ts";

/** What only the folder backend has to get right: its files. The shared rules are in contract.test.ts. */

let dir: string;
let store: FolderStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-folder-"));
  store = new FolderStore(dir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test("each bucket is a folder and each key a file, `/` making subfolders", async () => {
  await store.put("gold", "tables/kpis.csv", "ca_total\n1\n");
  expect(await Bun.file(join(dir, "gold", "tables", "kpis.csv")).text()).toBe("ca_total\n1\n");
  expect(store.location).toBe(`folder ${dir}`);
  expect(await store.missingBuckets(["gold", "runs"])).toEqual(["runs"]);
});

test("a write in progress, or one that died, never shows in a listing", async () => {
  await mkdir(join(dir, "silver", "t"), { recursive: true });
  await writeFile(join(dir, "silver", "t", ".clients.csv.4242.a1b2c3.elt-tmp"), "half of it");
  await store.put("silver", "t/achats.csv", "id_achat\n");
  expect((await store.listPage("silver", "t/")).items.map((i) => i.key)).toEqual(["t/achats.csv"]);
});

test("a body that fails half-way leaves neither an object nor a temporary file, and its error goes through", async () => {
  const boom = new Error("source went away");
  async function* failing() {
    yield new TextEncoder().encode("id_client,nom\n");
    throw boom;
  }
  await store.put("bronze", "b/old.csv", "kept");
  await expect(store.put("bronze", "b/new.csv", failing())).rejects.toBe(boom);
  await expect(store.put("bronze", "b/old.csv", failing())).rejects.toBe(boom);
  expect(await readdir(join(dir, "bronze", "b"))).toEqual(["old.csv"]);
  expect(await Bun.file(join(dir, "bronze", "b", "old.csv")).text()).toBe("kept");
});

test("a delete removes the folders its key leaves empty, up to the bucket, and no folder that still holds something", async () => {
  await store.put("silver", "_refused/r1/clients.parquet", "p");
  await store.put("silver", "_refused/r1/_rejects/achats.csv", "a");
  await store.put("silver", "_refused/r2/clients.parquet", "p");
  await store.delete("silver", "_refused/r1/clients.parquet");
  expect(await readdir(join(dir, "silver", "_refused", "r1"))).toEqual(["_rejects"]);
  await store.delete("silver", "_refused/r1/_rejects/achats.csv");
  expect(await readdir(join(dir, "silver", "_refused"))).toEqual(["r2"]);
  await store.delete("silver", "_refused/r2/clients.parquet");
  expect(await readdir(join(dir, "silver"))).toEqual([]);
  // The folders come back with the next write under them.
  await store.put("silver", "_refused/r3/_rejects/achats.csv", "b");
  expect(await Bun.file(join(dir, "silver", "_refused", "r3", "_rejects", "achats.csv")).text()).toBe("b");
});

test("a listing never walks out of its bucket", async () => {
  await store.put("runs", "r.json", "{}");
  await expect(store.listPage("gold", "../runs/")).rejects.toBeInstanceOf(UsageError);
  expect((await store.listPage("gold", "..")).items).toEqual([]);
});

test("a missing bucket folder lists as empty", async () => {
  expect(await store.listPage("runs", "")).toEqual({ items: [] });
});

test("putIfAbsent creates an object once: of many racing writers exactly one wins, leaving no temporary file", async () => {
  const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => store.putIfAbsent("runs", "_lock.json", `writer ${i}`)));
  expect(wins.filter(Boolean)).toHaveLength(1);
  const winner = wins.indexOf(true);
  expect(await Bun.file(join(dir, "runs", "_lock.json")).text()).toBe(`writer ${winner}`);
  expect(await store.putIfAbsent("runs", "_lock.json", "late")).toBe(false);
  expect(await readdir(join(dir, "runs"))).toEqual(["_lock.json"]);
});
