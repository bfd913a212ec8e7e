import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { baseEnv, recordOfPid, runElt, spawnElt } from "../support/cli.ts";

/** Alerts through the CLI: a local receiver gets what a failed run and a warned check say; a dead one changes nothing. */

const AS_OF = "2025-06-30";
let dir: string;
const received: Record<string, unknown>[] = [];
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    received.push((await req.json()) as Record<string, unknown>);
    return new Response("ok");
  },
});
const HOOK = `http://127.0.0.1:${receiver.port}/hooks/secret-token-1234`;

const elt = (args: string[], extra: Record<string, string> = {}) =>
  runElt(["run", "--all", "--as-of", AS_OF, ...args], { cwd: dir, env: baseEnv({ ELT_HOME: join(dir, "home"), ...extra }) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-alerts-"));
  await generateFiles({ clients: 200, avgPurchases: 4, seed: 8, asOf: AS_OF, dirtyRate: 0 }, join(dir, "good"));
  for (const [name, every] of [["bad", 1], ["tenth", 10]] as const) {
    await generateFiles({ clients: 1, avgPurchases: 1, seed: 1, asOf: AS_OF, dirtyRate: 0 }, join(dir, name));
    await writeFile(join(dir, name, "clients.csv"), await readFile(join(dir, "good", "clients.csv")));
    const lines = (await readFile(join(dir, "good", "achats.csv"), "utf8")).split("\n");
    const broken = lines.map((l, i) => (i > 0 && i % every === 0 ? l.replace(/^([^,]*,[^,]*,[^,]*,)("[^"]*"|[^,]*)/, "$1n/a") : l));
    await writeFile(join(dir, name, "achats.csv"), broken.join("\n"));
  }
}, 60_000);
afterAll(async () => {
  receiver.stop(true);
  await rm(dir, { recursive: true, force: true });
});

test("a clean run sends nothing; a failed check sends the run, the failing task and error, the check and what stayed published", async () => {
  expect((await elt(["--sources", join(dir, "good")], { ELT_ALERT_WEBHOOK: HOOK })).code).toBe(0);
  expect(received).toEqual([]);
  const failed = await elt(["--sources", join(dir, "bad")], { ELT_ALERT_WEBHOOK: HOOK });
  expect(failed.code).toBe(1);
  expect(received).toHaveLength(1);
  const alert = received[0]!;
  expect(alert).toMatchObject({ flow: "all", state: "failed", failed_task: "silver", url: "http://localhost:8000/ui" });
  expect(alert.error).toContain("quality: achats reject rate 100.0 % > 50 % (error)");
  expect(alert.checks).toContainEqual(expect.objectContaining({ check: "reject_rate", subject: "achats", value: 100, outcome: "failed", error: 50 }));
  expect(alert.published).toMatch(/^gold of run \S+-all-\S+$/);
  expect(alert.text).toStartWith(`elt: run ${alert.run_id} (all) failed in silver: quality:`);
}, 60_000);

test("a warned check is sent too, on a run that succeeds", async () => {
  received.length = 0;
  const warned = await elt(["--sources", join(dir, "tenth")], { ELT_ALERT_WEBHOOK: HOOK });
  expect(warned.code).toBe(0);
  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({ state: "succeeded", failed_task: null });
  expect(received[0]!.checks).toContainEqual(expect.objectContaining({ check: "reject_rate", subject: "achats", outcome: "warned" }));
}, 60_000);

test("a receiver that is down: the run's exit code stands, a one-line warning, and the URL is in no record or log", async () => {
  const dead = "http://127.0.0.1:1/hooks/secret-token-1234";
  const started = Date.now();
  const failed = await elt(["--sources", join(dir, "bad"), "--force"], { ELT_ALERT_WEBHOOK: dead });
  expect(failed.code).toBe(1);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(failed.err).toContain("warning: the alert was not delivered (cannot reach the receiver");
  const all = [failed.out, failed.err];
  for (const run of await readdir(join(dir, "home", "lake", "runs"))) {
    if (run === "_lock.json") continue;
    for (const file of ["run.json", "logs.jsonl"]) all.push(await readFile(join(dir, "home", "lake", "runs", run, file), "utf8").catch(() => ""));
  }
  expect(all.join("\n")).not.toContain("secret-token-1234");
}, 60_000);

test("a cancelled run is sent too: Ctrl-C in the middle of a run, 130, and the alert says cancelled", async () => {
  received.length = 0;
  const runs = join(dir, "home", "lake", "runs");
  // Each gold table's copy pauses: the run is still going when the signal comes.
  const running = spawnElt(["run", "--all", "--force", "--as-of", AS_OF, "--sources", join(dir, "good")], {
    cwd: dir,
    env: baseEnv({ ELT_HOME: join(dir, "home"), ELT_ALERT_WEBHOOK: HOOK, ELT_TEST_PUBLISH_PAUSE_MS: "100" }),
  });
  for (let record = null as RunRecord | null; record?.tasks.find((t) => t.name === "gold")?.state !== "running"; await Bun.sleep(50)) {
    record = recordOfPid(runs, running.child.pid);
  }
  running.child.kill("SIGINT");
  const { code } = await running.done;
  expect(code).toBe(130);
  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({ flow: "all", state: "cancelled" });
  expect(received[0]!.text).toStartWith(`elt: run ${received[0]!.run_id} (all) cancelled`);
}, 60_000);

test("a receiver that answers 500: retried within the bound, then a warning; the exit code stands", async () => {
  let calls = 0;
  const failing = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => {
      calls++;
      return new Response("down", { status: 500 });
    },
  });
  try {
    const started = Date.now();
    const failed = await elt(["--sources", join(dir, "bad"), "--force"], { ELT_ALERT_WEBHOOK: `http://127.0.0.1:${failing.port}/hooks/secret-token-1234` });
    expect(failed.code).toBe(1);
    expect(calls).toBeGreaterThan(1);
    // The delivery's bound is 10 s; the run itself takes a few.
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(failed.err).toContain("warning: the alert was not delivered (the receiver answered 500)");
    expect(failed.out + failed.err).not.toContain("secret-token-1234");
  } finally {
    failing.stop(true);
  }
}, 60_000);

test("elt doctor --alert-test: the test alert reaches the receiver, and the check shows where without the secret", async () => {
  received.length = 0;
  const doctor = await runElt(["doctor", "--alert-test"], { cwd: dir, env: baseEnv({ ELT_HOME: join(dir, "home"), ELT_ALERT_WEBHOOK: HOOK }) });
  expect(doctor.code).toBe(0);
  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({ flow: "doctor", state: "test" });
  expect(doctor.out).toMatch(new RegExp(`ok +alert webhook +http://127\\.0\\.0\\.1:${receiver.port}/\\*\\*\\*\\*: test alert delivered \\(1 attempt\\)`));
  expect(doctor.out).not.toContain("secret-token-1234");

  const dead = await runElt(["doctor", "--alert-test", "--json"], { cwd: dir, env: baseEnv({ ELT_HOME: join(dir, "home"), ELT_ALERT_WEBHOOK: "http://127.0.0.1:1/hooks/secret-token-1234" }) });
  expect(dead.code).toBe(1);
  const checks = (JSON.parse(dead.out) as { checks: { name: string; verdict: string; detail: string }[] }).checks;
  expect(checks.find((c) => c.name === "alert webhook")).toMatchObject({ verdict: "fail", detail: expect.stringContaining("test alert not delivered") });
  expect(dead.out).not.toContain("secret-token-1234");
}, 60_000);
