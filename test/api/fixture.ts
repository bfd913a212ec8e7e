import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type AppOptions } from "../../src/api/app.ts";
import { listen, type Listening } from "../../src/api/listen.ts";
import type { GoldTableName } from "../../src/contract/gold-tables.ts";
import type { Row } from "../../src/contract/columns.ts";
import type { ServingStore } from "../../src/serving/serving-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { exportFixture, goldFixture } from "../support/gold-fixture.ts";

/** The gold tables the pipeline makes of the shared fixture's sources (test/support/gold-fixture.ts). */
export const GOLD: Record<GoldTableName, Row[]> = (await goldFixture()).tables;

export async function* batches(rows: Row[], size = rows.length || 1): AsyncIterable<Row[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

/** A SQLite serving store in a fresh folder, every gold table exported into it under `runId`. */
export async function loadedStore(runId = "run-1"): Promise<{ store: ServingStore; dir: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "elt-api-"));
  const store = openSqliteStore(join(dir, "serving.sqlite"));
  await exportFixture(store, runId);
  return {
    store,
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The suite's loaded store (loadedStore), opened before its tests and removed after them;
 * `served`: the app serves it too. Its fields are set once the suite starts.
 */
export function useLoadedStore(options: { runId?: string; served?: boolean } = {}): { store: ServingStore; dir: string; api: Running } {
  const suite = {} as { store: ServingStore; dir: string; api: Running };
  let cleanup = () => {};
  beforeAll(async () => {
    const loaded = await loadedStore(options.runId);
    ({ store: suite.store, dir: suite.dir, cleanup } = loaded);
    if (options.served) suite.api = serve({ store: loaded.store });
  });
  afterAll(async () => {
    await suite.api?.stop();
    await suite.store?.close();
    cleanup();
  });
  return suite;
}

export interface Running extends Listening {
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  logs: string[];
}

/** The app listening on 127.0.0.1 at an ephemeral port, with a helper to GET JSON. */
export function serve(options: Omit<AppOptions, "log">): Running {
  const logs: string[] = [];
  const server = listen(createApp({ ...options, log: (line) => logs.push(line) }), "127.0.0.1", 0);
  return {
    ...server,
    logs,
    async get(path, headers = {}) {
      const response = await fetch(server.url + path, { headers });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text === "" ? null : JSON.parse(text) };
    },
  };
}
