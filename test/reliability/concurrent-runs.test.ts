import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import type { LayerState } from "../../src/pipeline/layer-state.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { baseEnv, recordOfPid, spawnElt, type Running } from "../support/cli.ts";

/**
 * Two `elt run` on one lake: the second is refused while the first holds the lake's lock, or
 * with --wait waits for it and runs after it. The first run is frozen (SIGSTOP) once it holds
 * the lock, so "while it runs" lasts exactly as long as the test needs, on any machine.
 */

const AS_OF = "2026-06-30";
const PATIENCE_MS = 60_000;

let dir: string;
let home: string;
const children: Subprocess[] = [];

function elt(args: string[]): Running {
  const running = spawnElt(args, { cwd: dir, env: baseEnv({ HOME: dir, ELT_HOME: home }) });
  children.push(running.child);
  return running;
}

const withSources = (...args: string[]) => [...args, "--sources", join(dir, "sources"), "--as-of", AS_OF];

const recordOf = (pid: number) => recordOfPid(join(home, "lake", "runs"), pid);

async function waitFor<T>(what: string, probe: () => T | null | undefined | false): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const found = probe();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-concurrent-"));
  home = join(dir, "home");
  await generateFiles({ clients: 2000, avgPurchases: 5, seed: 3, asOf: AS_OF, dirtyRate: 0.02 }, join(dir, "sources"));
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

test("a second run is refused while another writes the lake; with --wait it runs after it", async () => {
  const first = elt(withSources("run", "--all"));
  const pid = first.child.pid;
  await waitFor("the first run's silver", () => recordOf(pid)?.tasks.find((t) => t.name === "silver")?.state === "running");
  process.kill(pid, "SIGSTOP");

  let waiting: Running;
  try {
    const holder = `elt run --all \\(pid ${pid} on ${escape(hostname())}, since [0-9T:.Z-]+\\)`;
    const refused = await elt(withSources("run", "silver")).done;
    expect(refused.err).toMatch(
      new RegExp(`^elt: another elt process is writing to this lake: ${holder}; use --wait to wait for it\\n$`),
    );
    expect(refused.out).toBe("");
    expect(refused.code).toBe(1);

    waiting = elt(withSources("run", "silver", "--wait", "--force", "--json"));
    await waitFor("the waiting message", () => waiting.err().includes("\n"));
    expect(waiting.err()).toMatch(new RegExp(`^waiting for the lake's lock, held by ${holder}\\.\\.\\.\\n$`));
    expect(waiting.child.exitCode).toBeNull();
    expect(recordOf(waiting.child.pid)).toBeNull();
  } finally {
    process.kill(pid, "SIGCONT");
  }

  const firstDone = await first.done;
  expect(firstDone.code).toBe(0);
  const second = await waiting.done;
  expect(second.err).toEndWith("...\n");
  expect(second.code).toBe(0);
  const secondRecord = JSON.parse(second.out) as RunRecord;
  expect(secondRecord.state).toBe("succeeded");
  expect(secondRecord.tasks.map((t) => [t.name, t.state])).toEqual([["silver", "succeeded"]]);

  // Two records, the refused run left none, and the second began after the first had ended.
  const listed = await elt(["runs", "--json"]).done;
  expect(listed.code).toBe(0);
  const runs = JSON.parse(listed.out) as RunRecord[];
  expect(runs.map((r) => [r.pid, r.flow, r.state])).toEqual([
    [waiting.child.pid, "silver", "succeeded"],
    [pid, "all", "succeeded"],
  ]);
  const [later, earlier] = runs as [RunRecord, RunRecord];
  expect(Date.parse(later.started_at)).toBeGreaterThanOrEqual(Date.parse(earlier.ended_at!));
  const silver = JSON.parse(readFileSync(join(home, "lake", "silver", "_state.json"), "utf8")) as LayerState;
  expect(silver.run_id).toBe(later.id);
  expect(existsSync(join(home, "lake", "runs", "_lock.json"))).toBe(false);
}, 120_000);
