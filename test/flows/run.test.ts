import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEFAULT_THRESHOLDS } from "../../src/quality/thresholds.ts";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNS_KEPT, type Config } from "../../src/config/environment.ts";
import { runPipeline, type PipelineRun } from "../../src/flows/run.ts";
import { generateFiles } from "../../src/pipeline/generate/index.ts";

/** One `elt run` as the root wires it: the lock, a clean staging area, the flow, the summary. */

const AS_OF = "2026-06-30";
let dir: string;
let config: Config;
let sources: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-flows-run-"));
  config = { home: join(dir, "home"), apiUrl: "http://localhost:8000", keepRuns: RUNS_KEPT };
  sources = join(dir, "sources");
  await generateFiles({ clients: 40, avgPurchases: 3, seed: 5, asOf: AS_OF, dirtyRate: 0.05 }, sources);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (o: Partial<PipelineRun>) =>
  runPipeline({
    layers: ["bronze", "silver"],
    sources,
    asOf: AS_OF,
    force: false,
    taskTimeoutMs: 60_000,
    config,
    holder: "test run",
    lock: { wait: false },
    observer: {},
    onWarning: () => {},
    withSummary: true,
    quality: { thresholds: DEFAULT_THRESHOLDS, enforce: true },
    ...o,
  });

test("a run first removes what a killed run left staged, then runs the layers and reads silver's summary", async () => {
  const left = join(config.home, "tmp", "20260101T000000Z-all-dead-silver");
  await mkdir(left, { recursive: true });
  await writeFile(join(left, "achats.parquet"), "half written");

  const outcome = await run({});
  const { record, objectStore, summary } = outcome;
  expect(record.state).toBe("succeeded");
  expect(record.tasks.map((t) => [t.name, t.state])).toEqual([
    ["bronze.clients", "succeeded"],
    ["bronze.achats", "succeeded"],
    ["silver", "succeeded"],
  ]);
  expect(existsSync(left)).toBe(false);
  expect(await readdir(join(config.home, "tmp")).catch(() => [])).toEqual([]);
  expect(objectStore).toContain(join(config.home, "lake"));
  expect(summary?.silver?.clients.rows_in).toBe(40);
  expect(outcome.gold).toBeNull();
  // The lock is released: another run takes it at once.
  expect((await run({ layers: ["bronze"], withSummary: false })).summary).toBeUndefined();
});
