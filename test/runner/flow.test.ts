import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError, StoreError } from "../../src/core/errors.ts";
import { runFlow, type Task } from "../../src/runner/flow.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { PID_NAMESPACE } from "../../src/core/processes.ts";
import { PRUNED_AT_MOST, effectiveState, listRuns, logsKey, pruneRuns, readLogs, readRun, recordKey, resolveRunId, runIds } from "../../src/runner/run-store.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { readJson } from "../../src/storage/object-store.ts";

let dir: string;
let store: FolderStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-flow-"));
  store = new FolderStore(dir);
  await store.ensureBuckets();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (tasks: Task[], secrets: string[] = []) =>
  runFlow({ name: "test", tasks, parameters: { p: 1 }, asOf: "2026-01-31" }, { store, secrets, retryBaseMs: 1 });

describe("runFlow", () => {
  test("runs tasks in dependency order and records counts and timings", async () => {
    const order: string[] = [];
    const record = await run([
      { name: "b", dependsOn: ["a"], run: async (ctx) => void (order.push("b"), ctx.report({ rows_in: 10, rows_out: 7 })) },
      { name: "a", run: async (ctx) => void (order.push("a"), ctx.report({ rows_out: 10, metrics: { bytes: 99 } })) },
    ]);
    expect(order).toEqual(["a", "b"]);
    expect(record.state).toBe("succeeded");
    const b = record.tasks.find((t) => t.name === "b")!;
    expect([b.state, b.rows_in, b.rows_out, b.attempts]).toEqual(["succeeded", 10, 7, 1]);
    expect(record.tasks.find((t) => t.name === "a")!.metrics).toEqual({ bytes: 99 });
    expect(b.duration_ms).toBeGreaterThanOrEqual(0);
    // What is stored is what was returned.
    const stored = await readJson<RunRecord>(store, "runs", recordKey(record.id));
    expect(stored.state).toBe("succeeded");
    expect(stored.tasks.map((t) => t.state)).toEqual(["succeeded", "succeeded"]);
    expect(stored.as_of).toBe("2026-01-31");
  });

  test("retries transient store failures with backoff, not input errors", async () => {
    let calls = 0;
    let inputCalls = 0;
    const record = await run([
      {
        name: "flaky",
        retries: 3,
        run: async () => {
          calls++;
          if (calls < 3) throw new StoreError("unreachable", "store down");
        },
      },
      {
        name: "bad-input",
        retries: 3,
        run: async () => {
          inputCalls++;
          throw new InputError("achats.csv:3: bad", "achats.csv", 3);
        },
      },
    ]);
    expect(calls).toBe(3);
    expect(record.tasks[0]!.attempts).toBe(3);
    expect(record.tasks[0]!.state).toBe("succeeded");
    expect(inputCalls).toBe(1);
    expect(record.tasks[1]!.state).toBe("failed");
    expect(record.tasks[1]!.error).toBe("achats.csv:3: bad");
    expect(record.state).toBe("failed");
    expect(record.error).toBe("bad-input: achats.csv:3: bad");
  });

  test("gives up after the retries and skips dependents with the reason", async () => {
    const record = await run([
      { name: "down", retries: 2, run: async () => Promise.reject(new StoreError("unreachable", "cannot reach S3")) },
      { name: "after", dependsOn: ["down"], run: async () => {} },
      { name: "later", dependsOn: ["after"], run: async () => {} },
    ]);
    expect(record.tasks.map((t) => t.state)).toEqual(["failed", "skipped", "skipped"]);
    expect(record.tasks[0]!.attempts).toBe(3);
    expect(record.tasks[1]!.reason).toBe("upstream task down did not succeed");
    expect(record.tasks[2]!.reason).toBe("upstream task after did not succeed");
  });

  test("a task can skip itself with a reason; the run still succeeds", async () => {
    const record = await run([{ name: "s", run: async (ctx) => ctx.skip("inputs unchanged") }]);
    expect(record.tasks[0]!.state).toBe("skipped");
    expect(record.tasks[0]!.reason).toBe("inputs unchanged");
    expect(record.state).toBe("succeeded");
  });

  test("a task that outlives its timeout fails and is aborted", async () => {
    let aborted = false;
    const record = await run([
      {
        name: "slow",
        timeoutMs: 50,
        run: (ctx) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener("abort", () => {
              aborted = true;
              resolve();
            });
          }),
      },
    ]);
    expect(record.tasks[0]!.state).toBe("failed");
    expect(record.tasks[0]!.error).toBe("task slow timed out after 50 ms");
    expect(aborted).toBe(true);
  });

  test("a timed-out task is waited for: the run ends only once the task has stopped", async () => {
    let stoppedAt = 0;
    const record = await run([
      {
        name: "slow",
        timeoutMs: 30,
        run: async (ctx) => {
          while (!ctx.signal.aborted) await Bun.sleep(5);
          await Bun.sleep(100); // a task takes a moment to stop at its batch
          stoppedAt = Date.now();
          ctx.signal.throwIfAborted();
        },
      },
    ]);
    expect(record.tasks[0]!.error).toBe("task slow timed out after 30 ms");
    expect(stoppedAt).toBeGreaterThan(0);
    expect(Date.parse(record.ended_at!)).toBeGreaterThanOrEqual(stoppedAt);
  });

  test("aborting the run's signal stops the running task, skips the rest and records the run cancelled", async () => {
    const cancel = new AbortController();
    let sawReason: unknown;
    const record = await runFlow(
      {
        name: "test",
        parameters: {},
        tasks: [
          { name: "first", run: async () => {} },
          {
            name: "long",
            dependsOn: ["first"],
            run: async (ctx) => {
              setTimeout(() => cancel.abort("SIGTERM"), 20);
              while (!ctx.signal.aborted) await Bun.sleep(5);
              sawReason = ctx.signal.reason;
              // What a task throws once aborted (here a store error) is the abort's consequence.
              throw new StoreError("failed", "stream aborted");
            },
          },
          { name: "after", dependsOn: ["long"], run: async () => {} },
        ],
      },
      { store, secrets: [], signal: cancel.signal },
    );
    expect(record.state).toBe("cancelled");
    expect(record.cancelled).toMatchObject({ reason: "SIGTERM", task: "long" });
    expect(record.error).toBeUndefined();
    expect(record.tasks.map((t) => [t.name, t.state, t.reason])).toEqual([
      ["first", "succeeded", undefined],
      ["long", "skipped", "cancelled (SIGTERM)"],
      ["after", "skipped", "the run was cancelled"],
    ]);
    expect((sawReason as Error).message).toBe("cancelled (SIGTERM)");
    expect((await readRun(store, record.id))?.state).toBe("cancelled");
  });

  test("the record is written while the run progresses, not only at the end", async () => {
    let seen: RunRecord | null = null;
    const record = await run([
      {
        name: "look",
        run: async (ctx) => {
          seen = await readRun(store, ctx.runId);
        },
      },
    ]);
    expect(seen).not.toBeNull();
    expect(seen!.state).toBe("running");
    expect(seen!.tasks[0]!.state).toBe("running");
    expect(record.state).toBe("succeeded");
  });

  test("logs are stored as JSON lines and secrets are scrubbed everywhere", async () => {
    const secret = "s3cr3t-P4ss";
    const record = await run(
      [
        {
          name: "leaky",
          run: async (ctx) => {
            ctx.log("info", `connecting with ${secret}`);
            throw new StoreError("access_denied", `denied for key ${secret}`);
          },
        },
      ],
      [secret],
    );
    const logs = await readLogs(store, record.id);
    expect(logs.length).toBeGreaterThanOrEqual(4);
    expect(logs.some((l) => l.task === "leaky" && l.msg === "connecting with ****")).toBe(true);
    expect(logs.at(-1)!.msg).toBe("run failed");
    const raw = JSON.stringify(await readJson(store, "runs", recordKey(record.id))) + JSON.stringify(logs);
    expect(raw).not.toContain(secret);
    expect(record.tasks[0]!.error).toBe("denied for key ****");
  });
});

describe("run store", () => {
  test("lists newest first, resolves ids by a unique part", async () => {
    const first = await run([{ name: "a", run: async () => {} }]);
    await Bun.sleep(1100); // ids carry the start second
    const second = await run([{ name: "a", run: async () => {} }]);
    const runs = await listRuns(store, { limit: 10 });
    expect(runs.map((r) => r.id)).toEqual([second.id, first.id]);
    expect(await resolveRunId(store, second.id.slice(-4))).toEqual({ id: second.id });
    expect(await resolveRunId(store, second.id.slice(3, -3))).toEqual({ id: second.id });
    expect(await resolveRunId(store, "no-such-run")).toBeNull();
    // A part every id holds names no one run: the candidates, newest first.
    const both = await resolveRunId(store, "-test-");
    expect(both && "candidates" in both && both.candidates.slice(0, 2)).toEqual([second.id, first.id]);
  });

  test("a filter's misses take no place: skipped ticks do not push real runs out, and pages read no more than they show", async () => {
    const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
    const check = { check: "reject_rate", subject: "achats", unit: "%", value: 1, outcome: "passed", warn: 5, error: 20 };
    const records: RunRecord[] = [
      // Three real runs, then forty skipped ticks of a busy schedule, all newer.
      ...[0, 1, 2].map((s): RunRecord => ({ id: `20260101T0000${String(s).padStart(2, "0")}Z-all-r${s}`, flow: "all", state: "succeeded", parameters: {}, started_at: at(s), heartbeat_at: at(s), host: "elsewhere", pid: 1, tasks: [{ name: "silver", state: "succeeded", attempts: 1, metrics: { checks: [check] } }] })),
      ...Array.from({ length: 40 }, (_, k): RunRecord => ({ id: `20260101T0001${String(k).padStart(2, "0")}Z-all-s${k}`, flow: "all", state: "skipped", parameters: {}, started_at: at(60 + k), heartbeat_at: at(60 + k), host: "elsewhere", pid: 1, tasks: [] })),
    ];
    for (const record of records) await store.put("runs", recordKey(record.id), JSON.stringify(record));
    const real = await listRuns(store, { limit: 3, where: (r) => r.tasks.some((t) => t.metrics?.checks) });
    expect(real.map((r) => r.id)).toEqual(["20260101T000002Z-all-r2", "20260101T000001Z-all-r1", "20260101T000000Z-all-r0"]);
    expect((await listRuns(store, { limit: 2, state: "succeeded" })).map((r) => r.id)).toEqual(["20260101T000002Z-all-r2", "20260101T000001Z-all-r1"]);
    // A page further on: the 3rd and 4th newest.
    expect((await listRuns(store, { limit: 2, skip: 2 })).map((r) => r.id)).toEqual(["20260101T000137Z-all-s37", "20260101T000136Z-all-s36"]);
    const read: string[] = [];
    const counting = Object.create(store) as FolderStore;
    counting.get = (bucket, key) => (read.push(key), store.get(bucket, key));
    await listRuns(counting, { limit: 2 });
    expect(read.length).toBeLessThanOrEqual(32);
  });

  test("pruning keeps the newest runs, the spared ones and any still running; logs and folders go too", async () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
    const id = (minute: number) => `20260101T00${String(minute).padStart(2, "0")}00Z-all-m${minute}`;
    for (let m = 0; m < 30; m++) {
      // Minute 3's is a live run (this process), minute 4's a record that is not JSON.
      const record: RunRecord = { id: id(m), flow: "all", state: m === 3 ? "running" : "succeeded", parameters: {}, started_at: at(m), heartbeat_at: m === 3 ? new Date().toISOString() : at(m), host: require("node:os").hostname(), pid: process.pid, pid_ns: PID_NAMESPACE, tasks: [] };
      await store.put("runs", recordKey(id(m)), m === 4 ? "{ half" : JSON.stringify(record));
      await store.put("runs", logsKey(id(m)), "{}\n");
    }
    expect(await pruneRuns(store, 10, new Set([id(7)]))).toBe(18);
    const kept = [...Array.from({ length: 10 }, (_, k) => id(29 - k)), id(7), id(3)];
    expect(await runIds(store)).toEqual(kept);
    // Nothing is left of a pruned run: no logs, no folder.
    expect((await readdir(join(dir, "runs"))).sort()).toEqual([...kept].sort());
    expect(await readLogs(store, id(5))).toEqual([]);
    expect(await readLogs(store, id(7))).toHaveLength(1);
    expect(await readLogs(store, id(3))).toHaveLength(1);
    expect(await pruneRuns(store, 10, new Set([id(7)]))).toBe(0);
    expect(await pruneRuns(store, Infinity)).toBe(0);
    expect(await pruneRuns(store, 1)).toBe(10);
    expect(await runIds(store)).toEqual([id(29), id(3)]);
  });

  test("at the kept runs' edge, runs of one second go by their start times; another program's keys are never touched", async () => {
    // Five runs in one second whose random tails sort against their start order, then a newer one.
    const tails = ["zz", "yy", "xx", "ww", "vv"];
    const ids = tails.map((tail) => `20260101T000000Z-all-${tail}`);
    for (const [k, id] of ids.entries()) {
      const started = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 100 * k)).toISOString();
      await store.put("runs", recordKey(id), JSON.stringify({ id, state: "succeeded", started_at: started, heartbeat_at: started }));
    }
    await store.put("runs", recordKey("20260101T000001Z-all-aa"), JSON.stringify({ id: "20260101T000001Z-all-aa", state: "succeeded", started_at: "2026-01-01T00:00:01.000Z" }));
    await store.put("runs", "backup/run.json", "{}");
    await expect(pruneRuns(store, 0)).rejects.toThrow("runs kept must be 1 or more");
    // The newest three: the one of the next second, then the two of this second that started last (vv, ww).
    expect(await pruneRuns(store, 3)).toBe(3);
    expect((await runIds(store)).filter((id) => id !== "backup").sort()).toEqual([ids[3]!, ids[4]!, "20260101T000001Z-all-aa"].sort());
    expect(await store.stat("runs", "backup/run.json")).not.toBeNull();
  });

  test("a long history is pruned a bounded part at a time", async () => {
    for (let k = 0; k < PRUNED_AT_MOST + 5; k++) {
      const id = `20260101T${String(Math.floor(k / 3600)).padStart(2, "0")}${String(Math.floor(k / 60) % 60).padStart(2, "0")}${String(k % 60).padStart(2, "0")}Z-all-k${k}`;
      await store.put("runs", recordKey(id), JSON.stringify({ id, state: "succeeded" }));
    }
    expect(await pruneRuns(store, 3)).toBe(PRUNED_AT_MOST);
    // The oldest went first: what is left has no gap.
    expect((await runIds(store)).map((id) => id.split("-k")[1])).toEqual(["2004", "2003", "2002", "2001", "2000"]);
    expect(await pruneRuns(store, 3)).toBe(2);
    expect((await runIds(store)).length).toBe(3);
  }, 60_000);

  test("a running record whose process is gone reads as incomplete", () => {
    const base: RunRecord = {
      id: "x",
      flow: "all",
      state: "running",
      parameters: {},
      started_at: new Date().toISOString(),
      heartbeat_at: new Date().toISOString(),
      host: require("node:os").hostname(),
      pid: process.pid,
      tasks: [],
    };
    expect(effectiveState(base).state).toBe("running");
    expect(effectiveState({ ...base, pid: 2 ** 22 + 12345 }).state).toBe("incomplete");
    const old = new Date(Date.now() - 120_000).toISOString();
    expect(effectiveState({ ...base, host: "elsewhere", heartbeat_at: old }).state).toBe("incomplete");
    expect(effectiveState({ ...base, host: "elsewhere" }).state).toBe("running");
    // Another pid namespace under this hostname (a container): its pid says nothing here.
    expect(effectiveState({ ...base, pid: 2 ** 22 + 12345, pid_ns: `${PID_NAMESPACE}1` }).state).toBe("running");
    expect(effectiveState({ ...base, pid: 2 ** 22 + 12345, pid_ns: PID_NAMESPACE }).state).toBe("incomplete");
  });
});
