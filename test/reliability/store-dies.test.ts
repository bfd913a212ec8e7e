import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RUNS_KEPT, type Config } from "../../src/config/environment.ts";
import { pipelineFlow } from "../../src/flows/pipeline.ts";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import { goldKeys } from "../../src/contract/lake.ts";
import { GOLD_TABLE_NAMES } from "../../src/contract/gold-tables.ts";
import { SILVER_KEYS } from "../../src/contract/lake.ts";
import { runFlow, type FlowObserver } from "../../src/runner/flow.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { STALE_AFTER_MS, effectiveState, readLogs, readRun, recordKey } from "../../src/runner/run-store.ts";
import { readBytes, readJson, type Bucket, type ObjectStore } from "../../src/storage/object-store.ts";
import { S3Store } from "../../src/storage/s3.ts";
import { startS3rver, type RunningS3rver } from "../support/s3rver.ts";

/**
 * The object store goes down while silver runs: the task is retried with backoff, the run
 * fails with a one-line cause, nothing published earlier is touched, the failed run's record
 * reaches the store once it is back, and the next run gives the same bytes as a run that was
 * never interrupted.
 */

const AS_OF = "2026-06-30";
const ROOT = resolve(import.meta.dir, "../..");
const GOLD_KEYS = GOLD_TABLE_NAMES.flatMap(goldKeys.table);
const SILVER_OUTPUTS = Object.values(SILVER_KEYS);
/** flows/pipeline.ts retries a task 3 times after its first attempt. */
const ATTEMPTS = 4;
const RETRY_BASE_MS = 5;
/** Only against hangs: a busy machine can take seconds over a run. */
const TIMEOUT_MS = 60_000;

let dir: string;
let lake: RunningS3rver;
let store: S3Store;
let config: Config;
const sources = (name: string) => join(dir, name);

// Quick to give up, so the outage costs milliseconds rather than the production seconds.
const openStore = (s3: RunningS3rver) => new S3Store(s3.config, { retries: 1, retryBaseMs: RETRY_BASE_MS });

function runPipeline(on: ObjectStore, from: string, observer?: FlowObserver): Promise<RunRecord> {
  const flow = pipelineFlow({ layers: ["bronze", "silver", "gold"], sources: from, asOf: AS_OF, force: false, config, store: on });
  return runFlow(flow, { store: on, secrets: [], retryBaseMs: RETRY_BASE_MS, observer });
}

/** sha256 of every key, so a difference names the key instead of dumping bytes. */
async function digests(on: ObjectStore, bucket: Bucket, keys: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of keys) out[key] = new Bun.CryptoHasher("sha256").update(await readBytes(on, bucket, key)).digest("hex");
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-store-dies-"));
  config = { home: join(dir, "home"), apiUrl: "http://localhost:8000", keepRuns: RUNS_KEPT };
  const base = { clients: 300, avgPurchases: 5, asOf: AS_OF, dirtyRate: 0.02 };
  await generateFiles({ ...base, seed: 1 }, sources("first"));
  await generateFiles({ ...base, seed: 2 }, sources("second"));
  lake = await startS3rver();
  store = openStore(lake);
  await store.ensureBuckets();
}, TIMEOUT_MS);

afterAll(async () => {
  await lake?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("the object store dies while silver runs", () => {
  let before: { silver: Record<string, string>; gold: Record<string, string> };
  let failed: RunRecord;
  const retries: { task: string; error: string; attempt: number; delayMs: number }[] = [];
  const warnings: string[] = [];
  const unreachable = () => `cannot reach S3 endpoint 127.0.0.1:${lake.config.port}: ECONNREFUSED`;

  test("a first run publishes silver and gold", async () => {
    const record = await runPipeline(store, sources("first"));
    expect(record.error).toBeUndefined();
    expect(record.state).toBe("succeeded");
    before = { silver: await digests(store, "silver", SILVER_OUTPUTS), gold: await digests(store, "gold", GOLD_KEYS) };
  }, TIMEOUT_MS);

  test("silver is retried with backoff, then the run fails with a one-line cause", async () => {
    let halted: Promise<void> | undefined;
    failed = await runPipeline(store, sources("second"), {
      taskProgress: (task) => {
        if (task === "silver") halted ??= lake.halt();
      },
      retrying: (task, error, attempt, delayMs) => retries.push({ task, error, attempt, delayMs }),
      warn: (message) => warnings.push(message),
    });
    await halted;
    expect(halted).toBeDefined();

    expect(failed.state).toBe("failed");
    expect(failed.error).toBe(`silver: ${unreachable()}`);
    expect(failed.tasks.map((t) => [t.name, t.state])).toEqual([
      ["bronze.clients", "succeeded"],
      ["bronze.achats", "succeeded"],
      ["silver", "failed"],
      ["gold", "skipped"],
    ]);
    const silver = failed.tasks.find((t) => t.name === "silver")!;
    expect(silver.attempts).toBe(ATTEMPTS);
    expect(silver.error).toBe(unreachable());
    expect(failed.tasks.find((t) => t.name === "gold")!.reason).toBe("upstream task silver did not succeed");

    // Each delay is drawn from [ceiling/2, ceiling] with the ceiling doubling: 5, 10, 20 ms.
    expect(retries.map((r) => [r.task, r.attempt])).toEqual([
      ["silver", 1],
      ["silver", 2],
      ["silver", 3],
    ]);
    retries.forEach((r, i) => {
      const ceiling = RETRY_BASE_MS * 2 ** i;
      expect(r.delayMs).toBeGreaterThanOrEqual(ceiling / 2);
      expect(r.delayMs).toBeLessThanOrEqual(ceiling);
      expect(r.error).toStartWith(`cannot reach S3 endpoint 127.0.0.1:${lake.config.port}: E`);
    });
    // The final record could not be written either, and the caller is told so, in one line.
    expect(warnings).toEqual([`the run record could not be saved: ${unreachable()}`]);
  }, TIMEOUT_MS);

  test("after a restart, what the first run published is intact, byte for byte", async () => {
    await lake.restart();
    expect(await digests(store, "silver", SILVER_OUTPUTS)).toEqual(before.silver);
    expect(await digests(store, "gold", GOLD_KEYS)).toEqual(before.gold);
  }, TIMEOUT_MS);

  test("until then the stored record is the last one saved, which reads incomplete once it stops beating", async () => {
    const stored = await readJson<RunRecord>(store, "runs", recordKey(failed.id));
    expect(stored.state).toBe("running");
    expect(stored.tasks.find((t) => t.name === "silver")!.state).toBe("running");
    // This process is alive, so only the silence tells a reader that the run will not finish it.
    expect(effectiveState(stored).state).toBe("running");
    expect(effectiveState(stored, Date.parse(stored.heartbeat_at) + STALE_AFTER_MS + 1).state).toBe("incomplete");
  }, TIMEOUT_MS);

  test("the next run writes the failed run's final record and logs, then succeeds", async () => {
    const record = await runPipeline(store, sources("second"));
    expect(record.error).toBeUndefined();
    expect(record.tasks.map((t) => [t.name, t.state])).toEqual([
      ["bronze.clients", "succeeded"],
      ["bronze.achats", "succeeded"],
      ["silver", "succeeded"],
      ["gold", "succeeded"],
    ]);
    // The failed run got the sources into bronze before the store went down.
    expect(record.tasks[1]!.metrics).toMatchObject({ already_present: true });

    const stored = (await readRun(store, failed.id))!;
    expect(stored.state).toBe("failed");
    expect(stored.error).toBe(`silver: ${unreachable()}`);
    expect(stored.tasks.find((t) => t.name === "silver")).toMatchObject({ state: "failed", attempts: ATTEMPTS });
    const logs = await readLogs(store, failed.id);
    const retried = logs.filter((l) => l.level === "warn" && l.task === "silver");
    expect(retried.map((l) => l.msg.replace(/\d+ ms/, "N ms").split(": ")[0])).toEqual([
      "attempt 1 failed, retrying in N ms",
      "attempt 2 failed, retrying in N ms",
      "attempt 3 failed, retrying in N ms",
    ]);
    expect(logs.at(-1)).toMatchObject({ level: "error", msg: "run failed" });
  }, TIMEOUT_MS);

  test("its silver and gold are byte-identical to an uninterrupted run in a fresh store", async () => {
    const fresh = await startS3rver();
    try {
      const other = openStore(fresh);
      await other.ensureBuckets();
      const record = await runPipeline(other, sources("second"));
      expect(record.state).toBe("succeeded");
      const gold = await digests(store, "gold", GOLD_KEYS);
      expect(gold).toEqual(await digests(other, "gold", GOLD_KEYS));
      expect(gold).not.toEqual(before.gold);
      expect(await digests(store, "silver", SILVER_OUTPUTS)).toEqual(await digests(other, "silver", SILVER_OUTPUTS));
    } finally {
      await fresh.stop();
    }
  }, TIMEOUT_MS);
});

test("the CLI against a store that is down exits 1 with a one-line error", async () => {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
  const port = (probe.address() as { port: number }).port;
  await new Promise((done) => probe.close(done));

  const secret = "elt-test-secret-key";
  const cli = Bun.spawn([process.execPath, join(ROOT, "src/cli.ts"), "run", "--all", "--sources", sources("second"), "--as-of", AS_OF], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      NO_COLOR: "1",
      ELT_HOME: join(dir, "cli-home"),
      MINIO_ENDPOINT: `127.0.0.1:${port}`,
      MINIO_ACCESS_KEY: "elt-test-access",
      MINIO_SECRET_KEY: secret,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([cli.exited, new Response(cli.stdout).text(), new Response(cli.stderr).text()]);
  expect(err).toBe(`elt: cannot reach S3 endpoint 127.0.0.1:${port}: ECONNREFUSED\n`);
  expect(out).toBe("");
  expect(code).toBe(1);
}, TIMEOUT_MS);
