import { expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRoutes, type RunHistory } from "../../src/api/runs.ts";
import { runHistory } from "../../src/flows/run-history.ts";
import { recordKey } from "../../src/runner/run-store.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { checkHistory } from "../../src/quality/history.ts";
import type { CheckResult } from "../../src/quality/checks.ts";
import type { RunRecord } from "../../src/runner/record.ts";

const check = (value: number, outcome: CheckResult["outcome"]): CheckResult => ({
  check: "reject_rate",
  subject: "achats",
  value,
  unit: "%",
  warn: 5,
  error: 50,
  fails: "above",
  outcome,
});
const run = (id: string, started_at: string, state: RunRecord["state"], checks?: CheckResult[]): RunRecord => ({
  id,
  flow: "all",
  state,
  parameters: {},
  started_at,
  heartbeat_at: started_at,
  host: "h",
  pid: 1,
  tasks: checks ? [{ name: "silver", state: "succeeded", attempts: 1, metrics: { checks } }] : [],
});
const RUNS = [
  run("r3", "2026-01-03T00:00:00Z", "failed", [check(94.1, "failed")]),
  run("r2", "2026-01-02T00:00:00Z", "succeeded", [check(6, "warned")]),
  run("r1", "2026-01-01T00:00:00Z", "succeeded", [check(2, "passed")]),
];
const history: RunHistory = {
  async list({ limit, skip, state }) {
    const matching = RUNS.filter((r) => !state || r.state === state);
    return { runs: matching.slice(skip, skip + limit), total: matching.length };
  },
  async withChecks(limit) {
    return RUNS.filter((r) => r.tasks.length > 0).slice(0, limit);
  },
  async get(id) {
    return RUNS.find((r) => r.id === id) ?? null;
  },
  async logs(id) {
    return [{ ts: "2026-01-01T00:00:00Z", level: "info", msg: `run ${id} started` }];
  },
};
const app = runRoutes(history);
const get = async (path: string) => {
  const res = await app.handle(new Request(`http://localhost${path}`));
  return { status: res.status, body: (await res.json()) as any };
};

test("/runs pages the records newest first and filters by state", async () => {
  expect((await get("/runs")).body).toEqual({ data: RUNS, count: 3 });
  expect((await get("/runs?limit=1&skip=1")).body).toEqual({ data: [RUNS[1]], count: 3 });
  expect((await get("/runs?state=failed")).body).toEqual({ data: [RUNS[0]], count: 1 });
});

test("/runs rejects bad parameters with a 400 that says what is allowed", async () => {
  expect(await get("/runs?state=done")).toEqual({ status: 400, body: { error: "state must be one of running, succeeded, failed, cancelled, incomplete, skipped" } });
  expect(await get("/runs?limit=-1")).toEqual({ status: 400, body: { error: "limit must be an integer between 0 and 1000" } });
  expect(await get("/runs?sort=id")).toEqual({ status: 400, body: { error: "unknown parameter sort; /runs accepts limit, skip, state" } });
});

test("/runs/{id} and its logs; an unknown run is a 404", async () => {
  expect((await get("/runs/r2")).body).toEqual(RUNS[1]);
  expect((await get("/runs/r2/logs")).body).toEqual({ data: [{ ts: "2026-01-01T00:00:00Z", level: "info", msg: "run r2 started" }], count: 1 });
  expect(await get("/runs/nope")).toEqual({ status: 404, body: { error: "no run nope: see /runs for the run ids" } });
  expect((await get("/runs/nope/logs")).status).toBe(404);
});

test("/checks: each check's results across runs, oldest first", async () => {
  const { body } = await get("/checks");
  expect(body.count).toBe(1);
  expect(body.data[0]).toEqual({
    check: "reject_rate",
    subject: "achats",
    unit: "%",
    runs: [
      { run_id: "r1", started_at: "2026-01-01T00:00:00Z", value: 2, outcome: "passed", warn: 5, error: 50 },
      { run_id: "r2", started_at: "2026-01-02T00:00:00Z", value: 6, outcome: "warned", warn: 5, error: 50 },
      { run_id: "r3", started_at: "2026-01-03T00:00:00Z", value: 94.1, outcome: "failed", warn: 5, error: 50 },
    ],
  });
  expect(checkHistory([run("x", "2026-01-01T00:00:00Z", "succeeded")])).toEqual([]);
});

test("over a lake's runs: skipped ticks take no place among the checks' runs, and /runs counts every run", async () => {
  const dir = await mkdtemp(join(tmpdir(), "elt-run-history-"));
  try {
    const store = new FolderStore(dir);
    await store.ensureBuckets();
    // The three runs, then five ticks of a busy schedule, skipped, all newer.
    const ticks = Array.from({ length: 5 }, (_, k) => run(`20260104T00000${k}Z-all-tick${k}`, `2026-01-04T00:00:0${k}Z`, "skipped"));
    const stored = [...RUNS.map((r, i) => ({ ...r, id: `2026010${3 - i}T000000Z-all-${r.id}` })), ...ticks];
    for (const record of stored) await store.put("runs", recordKey(record.id), JSON.stringify(record));
    const lake = runRoutes(runHistory(store));
    const body = async (path: string) => (await (await lake.handle(new Request(`http://localhost${path}`))).json()) as any;
    const checks = await body("/checks?limit=2");
    expect(checks.data[0].runs.map((r: { run_id: string }) => r.run_id)).toEqual(["20260102T000000Z-all-r2", "20260103T000000Z-all-r3"]);
    const page = await body("/runs?limit=2&skip=1");
    expect([page.count, page.data.map((r: RunRecord) => r.id)]).toEqual([8, ["20260104T000003Z-all-tick3", "20260104T000002Z-all-tick2"]]);
    expect((await body("/runs?state=succeeded")).count).toBe(2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("/runs?state= counts every matching run, past the first thousand; a finished run's record is read once", async () => {
  const dir = await mkdtemp(join(tmpdir(), "elt-run-count-"));
  try {
    const store = new FolderStore(dir);
    await store.ensureBuckets();
    const stamp = (k: number) => new Date(Date.UTC(2026, 0, 1) + k * 1000).toISOString();
    const id = (k: number) => `${stamp(k).replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-all-r${k}`;
    const put = (record: RunRecord) => store.put("runs", recordKey(record.id), JSON.stringify(record));
    // 1,500 runs: every fifth failed (with a failed check), the rest succeeded.
    for (let k = 0; k < 1500; k++) await put(k % 5 === 0 ? run(id(k), stamp(k), "failed", [check(90, "failed")]) : run(id(k), stamp(k), "succeeded"));
    const read: string[] = [];
    const counted = new Proxy(store, {
      get(target, name) {
        const value = Reflect.get(target, name);
        if (name !== "get") return typeof value === "function" ? value.bind(target) : value;
        return (bucket: string, key: string) => (read.push(key), target.get(bucket as "runs", key));
      },
    });
    const lake = runRoutes(runHistory(counted));
    const body = async (path: string) => (await (await lake.handle(new Request(`http://localhost${path}`))).json()) as any;
    // The quality checks' window reads records newest first only until it is full.
    const checks = await body("/checks?limit=2");
    expect(checks.data[0].runs.map((r: { run_id: string }) => r.run_id)).toEqual([id(1490), id(1495)]);
    expect(read.length).toBeLessThanOrEqual(64);
    read.length = 0;
    // Two listings at once share their reads.
    const [failed, also] = await Promise.all([body("/runs?state=failed&limit=2&skip=1"), body("/runs?state=failed&limit=1")]);
    expect([failed.count, failed.data.map((r: RunRecord) => r.id)]).toEqual([300, [id(1490), id(1485)]]);
    expect([also.count, also.data.map((r: RunRecord) => r.id)]).toEqual([300, [id(1495)]]);
    expect(read.length).toBe(1500 + 2 + 1);
    expect((await body("/runs?state=succeeded")).count).toBe(1200);
    // That listing read only its page: the finished runs' summaries were kept.
    expect(read.length).toBe(1500 + 2 + 1 + 50);
    // A record that is not JSON is left out of the counts; the others are still counted.
    await store.put("runs", recordKey(id(1502)), "{ half a rec");
    expect([(await body("/runs?state=failed")).count, (await body("/runs?state=succeeded")).count]).toEqual([300, 1200]);
    // A new run, running, then finished: seen in the counts at once.
    const now = new Date().toISOString();
    await put({ ...run(id(1500), stamp(1500), "running"), heartbeat_at: now });
    expect((await body("/runs?state=running")).count).toBe(1);
    await put({ ...run(id(1500), stamp(1500), "succeeded"), heartbeat_at: now });
    expect([(await body("/runs?state=running")).count, (await body("/runs?state=succeeded")).count]).toEqual([0, 1201]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
