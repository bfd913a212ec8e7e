import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { appendFile, copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { baseEnv, startServe } from "../support/cli.ts";
import { compiledElt } from "../support/compiled.ts";

/**
 * Schedules and watch mode through the executable, on a lake of 500 clients: `run --all
 * --every 1s` runs again and again and records the ticks it skips, whether a run of its own was
 * still going or another process held the lake; Ctrl-C stops it with 130 and leaves no run
 * "running"; `--watch` runs once a file written in chunks has settled; `serve --every` runs the
 * schedule inside the API and says so at /schedule.
 */

const AS_OF = "2026-06-30";
let elt: string;
let dir: string;
const children: Subprocess[] = [];

beforeAll(async () => {
  [elt, dir] = await Promise.all([compiledElt(), mkdtemp(join(tmpdir(), "elt-schedule-"))]);
  await generateFiles({ clients: 500, avgPurchases: 5, seed: 3, asOf: AS_OF, dirtyRate: 0.01 }, join(dir, "src"));
  await generateFiles({ clients: 500, avgPurchases: 6, seed: 4, asOf: AS_OF, dirtyRate: 0.01 }, join(dir, "other"));
}, 60_000);
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** `elt ARGS` on the lake of `home`, its outputs read as they come. */
function start(home: string, args: string[], extra: Record<string, string> = {}) {
  const child = Bun.spawn([elt, ...args], {
    cwd: dir,
    env: baseEnv({ HOME: dir, ELT_HOME: join(dir, home), ...extra }),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  children.push(child);
  let out = "";
  let err = "";
  const read = async (stream: ReadableStream<Uint8Array>, add: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  const done = Promise.all([child.exited, read(child.stdout, (t) => (out += t)), read(child.stderr, (t) => (err += t))]).then(([code]) => ({ code, out, err }));
  /** The records printed so far, one JSON line each (--json). */
  const records = () =>
    out
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as RunRecord);
  return { child, out: () => out, err: () => err, records, done };
}

const schedule = (home: string, args: string[], extra: Record<string, string> = {}) =>
  start(home, ["run", "--all", "--sources", join(dir, "src"), "--as-of", AS_OF, "--json", ...args], extra);

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** Every run `elt runs` lists, and its table as printed. */
async function runsOf(home: string): Promise<{ records: RunRecord[]; table: string }> {
  const json = await start(home, ["runs", "--json", "--limit", "1000"]).done;
  const table = await start(home, ["runs", "--limit", "1000"]).done;
  expect(json.code).toBe(0);
  return { records: JSON.parse(json.out) as RunRecord[], table: table.out };
}

test("--every 1s: a run at each tick, the ticks that come while the first (slow) run goes on recorded as skipped; Ctrl-C exits 130 with no run left running", async () => {
  // Each gold table's copy pauses 100 ms: the first run, the only one that publishes, lasts over 2 s.
  const scheduler = schedule("every", ["--every", "1s"], { ELT_TEST_PUBLISH_PAUSE_MS: "100" });
  await until("three scheduled runs", () => scheduler.records().filter((r) => r.state === "succeeded").length >= 3);
  scheduler.child.kill("SIGINT");
  const { code, err } = await scheduler.done;
  expect(code).toBe(130);
  expect(err).toContain("next run at ");

  const { records, table } = await runsOf("every");
  const ran = records.filter((r) => r.state !== "skipped");
  expect(ran.filter((r) => r.state === "succeeded").length).toBeGreaterThanOrEqual(3);
  expect(ran.every((r) => r.trigger === "schedule every 1s")).toBe(true);
  expect(records.some((r) => r.state === "running")).toBe(false);
  const skipped = records.filter((r) => r.state === "skipped");
  expect(skipped.length).toBeGreaterThanOrEqual(1);
  expect(skipped[0]).toMatchObject({ trigger: "schedule every 1s", tasks: [] });
  expect(skipped[0]!.reason).toMatch(/^the run of the tick at \d\d:\d\d:\d\d UTC was still going$/);
  // `elt runs` shows both: the skipped ticks, and which runs the schedule started.
  expect(table).toMatch(/-all-\S+\s+all\s+skipped\s.*schedule every 1s/);
  expect(table).toMatch(/-all-\S+\s+all\s+succeeded\s.*schedule every 1s/);
}, 40_000);

test("a tick that finds the lake locked by another process is skipped and recorded at once, without waiting", async () => {
  const holder = start("locked", ["run", "--all", "--force", "--sources", join(dir, "src"), "--as-of", AS_OF], { ELT_TEST_PUBLISH_PAUSE_MS: "250" });
  await until("the other run's lock", () => existsSync(join(dir, "locked", "lake", "runs", "_lock.json")));
  const scheduler = schedule("locked", ["--every", "1s"]);
  await until("two skipped ticks", () => scheduler.records().filter((r) => r.state === "skipped").length >= 2, 15_000);
  scheduler.child.kill("SIGINT");
  expect((await scheduler.done).code).toBe(130);
  const skipped = scheduler.records().filter((r) => r.state === "skipped");
  for (const record of skipped) expect(record.reason).toStartWith("another process holds the lake's lock: elt run --all (pid ");
  // The first tick ran at once and found the lock: no wait for it.
  expect(Date.parse(skipped[1]!.started_at) - Date.parse(skipped[0]!.started_at)).toBeLessThan(1500);
  expect((await holder.done).code).toBe(0);
  const { records } = await runsOf("locked");
  expect(records.filter((r) => r.state === "skipped").length).toBeGreaterThanOrEqual(2);
  expect(records.some((r) => r.state === "running")).toBe(false);
}, 40_000);

test("SIGINT while a scheduled run goes on: that run is cancelled as on Ctrl-C, 130, and the schedule ends", async () => {
  // A gold publish is not cut short once it has begun (its tables go out together): the run is
  // cancelled at the task's end, and stops before the export.
  const scheduler = schedule("cancel", ["--every", "1s"], { ELT_TEST_PUBLISH_PAUSE_MS: "100" });
  await until("the first run in gold", async () => {
    const { records } = await runsOf("cancel");
    return records.some((r) => r.state === "running" && r.tasks.some((t) => t.name === "gold" && t.state === "running"));
  });
  scheduler.child.kill("SIGINT");
  const { code, err } = await scheduler.done;
  expect(code).toBe(130);
  expect(err).toMatch(/run \S+ cancelled \(SIGINT\)/);
  const ran = scheduler.records().filter((r) => r.state !== "skipped");
  expect(ran).toHaveLength(1);
  expect(ran[0]).toMatchObject({ state: "cancelled", trigger: "schedule every 1s", cancelled: { reason: "SIGINT" } });
  expect(ran[0]!.tasks.find((t) => t.name === "export")).toMatchObject({ state: "skipped", reason: "the run was cancelled" });
  const { records } = await runsOf("cancel");
  expect(records.some((r) => r.state === "running")).toBe(false);
}, 40_000);

test("--watch: a run at start, then exactly one run for an achats.csv written in chunks, started after the last chunk", async () => {
  const sources = join(dir, "watched");
  await generateFiles({ clients: 500, avgPurchases: 5, seed: 3, asOf: AS_OF, dirtyRate: 0.01 }, sources);
  const watcher = start("watch", ["run", "--all", "--watch", "--json", "--sources", sources, "--as-of", AS_OF]);
  await until("the run at start", () => watcher.records().length === 1);
  await until("the watch to resume", () => watcher.err().includes("a change starts a run"));

  // A new achats.csv, written in four chunks 400 ms apart: each pause is shorter than the 1 s the files must stay the same.
  const next = await readFile(join(dir, "other", "achats.csv"));
  const target = join(sources, "achats.csv");
  const quarter = Math.ceil(next.length / 4);
  await writeFile(target, next.subarray(0, quarter));
  for (let i = 1; i < 4; i++) {
    await Bun.sleep(400);
    await appendFile(target, next.subarray(i * quarter, (i + 1) * quarter));
  }
  const lastChunk = Date.now();
  await until("the run after the change", () => watcher.records().length >= 2, 15_000);
  // Nothing more to come: the change was one.
  await Bun.sleep(2000);
  watcher.child.kill("SIGINT");
  expect((await watcher.done).code).toBe(130);

  const records = watcher.records();
  expect(records).toHaveLength(2);
  const after = records[1]!;
  expect(after.trigger).toBe("watch");
  expect(Date.parse(after.started_at)).toBeGreaterThanOrEqual(lastChunk);
  // It read the whole new file, not a part of it.
  const lines = next.toString().split("\n").filter((l) => l !== "").length - 1;
  expect(after.tasks.find((t) => t.name === "bronze.achats")?.rows_in).toBe(lines);
}, 40_000);

test("serve --every 1s: the schedule runs inside the API process, and /schedule says its expression, next run and last run", async () => {
  const home = join(dir, "serve");
  const exe = join(dir, "elt-serve");
  await copyFile(elt, exe);
  const server = await startServe(baseEnv({ HOME: dir, ELT_HOME: home }), dir, [exe], ["--every", "1s", "--sources", join(dir, "src")]);
  children.push(server.proc as Subprocess);
  let schedule: { expression: string; next_run: string | null; last_run_id: string | null } = { expression: "", next_run: null, last_run_id: null };
  await until("a scheduled run", async () => {
    schedule = (await (await fetch(`${server.base}/schedule`)).json()) as typeof schedule;
    return schedule.last_run_id !== null;
  });
  expect(schedule.expression).toBe("every 1s");
  expect(Date.parse(schedule.next_run!)).toBeGreaterThan(Date.now() - 5_000);
  const run = (await (await fetch(`${server.base}/runs/${schedule.last_run_id}`)).json()) as RunRecord;
  expect(run).toMatchObject({ flow: "all", trigger: "schedule every 1s" });
  expect(server.output()).toContain(`run ${schedule.last_run_id} `);
  expect(await server.stop()).toBe(0);
  expect(server.output()).toContain("SIGTERM: stopping");
}, 40_000);

test("serve --every: a stop while the scheduled run goes on cancels that run, and no run is left running", async () => {
  const home = join(dir, "serve-stop");
  const exe = join(dir, "elt-serve-stop");
  await copyFile(elt, exe);
  // The first run starts as soon as the API listens; slowed, it is still going when the stop comes.
  const server = await startServe(baseEnv({ HOME: dir, ELT_HOME: home, ELT_TEST_PUBLISH_PAUSE_MS: "200" }), dir, [exe], ["--every", "1h", "--sources", join(dir, "src")]);
  children.push(server.proc as Subprocess);
  await until("the scheduled run", () => existsSync(join(home, "lake", "runs", "_lock.json")));
  expect(await server.stop()).toBe(0);
  const { records } = await runsOf("serve-stop");
  expect(records.map((r) => r.state)).toEqual(["cancelled"]);
  expect(records[0]).toMatchObject({ trigger: "schedule every 1h", cancelled: { reason: "SIGTERM" } });
  expect(existsSync(join(home, "lake", "runs", "_lock.json"))).toBe(false);
}, 40_000);

test("a bad schedule is a usage error naming its flag, before anything runs", async () => {
  const cases: [string[], string][] = [
    [["run", "--all", "--every", "15x"], 'elt: --every: interval "15x" is not a duration'],
    [["run", "--all", "--cron", "0 25 * * *"], 'elt: --cron: cron expression "0 25 * * *": hour 25 is out of range 0-23'],
    [["run", "--all", "--cron", "0 * * * *", "--tz", "Mars/Olympus"], 'elt: --tz: unknown time zone "Mars/Olympus"'],
    [["run", "--all", "--every", "1m", "--tz", "UTC"], "elt: --tz: only with --cron"],
    [["run", "--all", "--every", "1m", "--cron", "* * * * *"], "elt: --every and --cron: give one of --every, --cron and --watch"],
    [["run", "silver", "--watch"], "elt: --watch: only with --all"],
    [["run", "--all", "--every", "1m", "--serve"], "elt: --every: not with --serve or --dashboard"],
    [["run", "--all", "--watch", "--wait"], "elt: --watch: not with --wait"],
    [["run", "--all", "--watch", "--sources", join(dir, "nowhere")], `elt: --watch: no folder ${join(dir, "nowhere")} (--sources) to read the sources from`],
    [["run", "--all", "--every", "1m", "--sources", join(dir, "nowhere")], `elt: --every: no folder ${join(dir, "nowhere")} (--sources)`],
    [["serve", "--cron", "61 * * * *"], 'elt: --cron: cron expression "61 * * * *": minute 61 is out of range 0-59'],
  ];
  for (const [args, message] of cases) {
    const { code, err } = await start("usage", args).done;
    expect({ args, code, err: err.split("\n")[0]!.slice(0, message.length) }).toEqual({ args, code: 2, err: message });
  }
  expect(existsSync(join(dir, "usage"))).toBe(false);
}, 30_000);
