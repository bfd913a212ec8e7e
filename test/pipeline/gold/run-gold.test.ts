import { afterAll, beforeAll, expect, test } from "bun:test";
import { RUNS_KEPT } from "../../../src/config/environment.ts";
import { DEFAULT_THRESHOLDS } from "../../../src/quality/thresholds.ts";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipelineFlow } from "../../../src/flows/pipeline.ts";
import { generateFiles } from "../../../src/pipeline/generate/index.ts";
import { runGold } from "../../../src/pipeline/gold/index.ts";
import { runFlow } from "../../../src/runner/flow.ts";
import { FolderStore } from "../../../src/storage/folder.ts";
import { readBytes, type ObjectStore } from "../../../src/storage/object-store.ts";

/**
 * runGold as a whole: the big CSV files come from a worker while this thread writes the rest.
 * A failure half-way leaves no staging behind and publishes nothing; the files it does write
 * match what the tables say.
 */

const AS_OF = "2026-06-30";
let dir: string;
let home: string;
let store: FolderStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-run-gold-"));
  home = join(dir, "home");
  await generateFiles({ clients: 400, avgPurchases: 5, asOf: AS_OF, dirtyRate: 0.02, seed: 3 }, join(dir, "sources"));
  store = new FolderStore(join(home, "lake"));
  await store.ensureBuckets();
  const config = { home, apiUrl: "http://localhost:8000", keepRuns: RUNS_KEPT };
  const flow = pipelineFlow({ layers: ["bronze", "silver"], sources: join(dir, "sources"), asOf: AS_OF, force: false, config, store });
  const record = await runFlow(flow, { store, secrets: [], retryBaseMs: 5 });
  expect(record.state).toBe("succeeded");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const gate = { thresholds: DEFAULT_THRESHOLDS, enforce: true, record: () => {} };
const options = (runId: string) => ({ home, runId, force: true, asOf: AS_OF, gate, progress: () => {} });

test("a store failing while the worker writes: the error, no staging left, nothing published", async () => {
  // Fails the fact table's Parquet file, which is written while the worker writes the CSV files.
  const failing = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== "put") return Reflect.get(target, prop, receiver);
      return (bucket: string, key: string, body: unknown) => {
        if (key.endsWith("fact_achats.parquet")) return Promise.reject(new Error("disk on fire"));
        return target.put(bucket as never, key, body as never);
      };
    },
  }) as ObjectStore;
  await expect(runGold(failing, options("failed-run"))).rejects.toThrow("disk on fire");
  expect(await readdir(join(home, "tmp")).catch(() => [])).toEqual([]);
  expect(await store.stat("gold", "fact_achats.csv")).toBeNull();
});

test("the worker's CSV files are published with the rest, one line per row", async () => {
  const outcome = await runGold(store, options("good-run"));
  if (!("summary" in outcome)) throw new Error("gold was skipped");
  for (const name of ["fact_achats", "dim_clients"] as const) {
    const text = new TextDecoder().decode(await readBytes(store, "gold", `${name}.csv`));
    const lines = text.split("\n").filter((l) => l !== "");
    // No value of this data holds a line break, so each row is one line after the header.
    expect(lines.length).toBe(outcome.summary.rows[name]! + 1);
    expect(lines[0]!.split(",")[0]).toBe(name === "fact_achats" ? "id_achat" : "id_client");
  }
  expect(await readdir(join(home, "tmp")).catch(() => [])).toEqual([]);
});
