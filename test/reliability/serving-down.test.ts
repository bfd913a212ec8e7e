import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { GOLD, loadedStore } from "../api/fixture.ts";
import { baseEnv, startServe, type Serving } from "../support/cli.ts";

/**
 * `elt serve` as a user runs it, with its SQLite file taken away: the API answers 503 with a
 * JSON error, stays up, and serves again by itself once the store is back. A writer's lock, on
 * the other hand, never blocks it (WAL).
 */

let dir: string;
let cleanup: () => void;
let api: Serving;

beforeAll(async () => {
  const loaded = await loadedStore();
  await loaded.store.close();
  ({ dir, cleanup } = loaded);
  api = await startServe(baseEnv({ ELT_HOME: dir }));
});
afterAll(async () => {
  await api.stop();
  cleanup();
});

const get = async (path: string) => {
  const res = await fetch(api.base + path);
  return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as any };
};

test("a removed store file: 503 with a JSON error, then recovery when the file is back", async () => {
  expect((await get("/kpis")).body).toEqual({ data: GOLD.kpis, count: 1 });
  const file = join(dir, "serving.sqlite");
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      renameSync(file + suffix, `${file}${suffix}.away`);
    } catch {
      // -wal and -shm exist only while a connection has them open
    }
  }
  for (const path of ["/kpis", "/agg_mois", "/health"]) {
    const r = await get(path);
    expect(r.status).toBe(503);
    expect(r.type).toContain("application/json");
    expect(String(r.body.error)).toContain("was removed");
  }
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      renameSync(`${file}${suffix}.away`, file + suffix);
    } catch {
      // as above
    }
  }
  expect(await get("/kpis")).toMatchObject({ status: 200, body: { data: GOLD.kpis, count: 1 } });
  expect(api.proc.exitCode).toBeNull();
});

test("a write lock held by another process never stops the API: WAL readers do not wait", async () => {
  const other = new Database(join(dir, "serving.sqlite"));
  other.run("BEGIN IMMEDIATE");
  other.run("DELETE FROM gold_kpis");
  try {
    // The uncommitted delete is invisible, and the held lock does not block the read.
    expect(await get("/kpis")).toMatchObject({ status: 200, body: { data: GOLD.kpis, count: 1 } });
  } finally {
    other.run("ROLLBACK");
    other.close();
  }
  expect(api.proc.exitCode).toBeNull();
});
