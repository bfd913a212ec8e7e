import { afterAll, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baseEnv, runElt } from "../support/cli.ts";

/**
 * A frozen S3 server (its process stopped, as a hung radosgw is): the kernel still accepts
 * connections, nothing ever answers. Each request's timeout and the retry budget bound the
 * wait, and the user gets one line.
 */

const child = Bun.spawn([process.execPath, join(import.meta.dir, "../support/s3rver-child.ts")], { stdout: "pipe", stderr: "inherit" });
const reader = child.stdout.getReader();
const { port } = JSON.parse(new TextDecoder().decode((await reader.read()).value)) as { port: number };
const home = await mkdtemp(join(tmpdir(), "elt-frozen-"));
afterAll(async () => {
  child.kill("SIGCONT");
  child.kill("SIGTERM");
  await child.exited;
  await rm(home, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) =>
  baseEnv({ ELT_HOME: home, MINIO_ENDPOINT: `127.0.0.1:${port}`, MINIO_ACCESS_KEY: "S3RVER", MINIO_SECRET_KEY: "S3RVER", ...extra });

test("the server answers before it is frozen", async () => {
  const runs = await runElt(["runs"], { env: env() });
  expect(runs.err).toBe("");
  expect(runs.code).toBe(0);
});

test("elt runs against a frozen server fails with one line within the timeout and the retry budget", async () => {
  child.kill("SIGSTOP");
  try {
    const started = Date.now();
    const runs = await runElt(["runs"], { env: env({ ELT_STORE_TIMEOUT_SECONDS: "2", ELT_STORE_RETRY_SECONDS: "2" }) });
    const seconds = (Date.now() - started) / 1000;
    expect(runs.code).toBe(1);
    expect(runs.err).toBe(`elt: cannot reach S3 endpoint 127.0.0.1:${port}: ETIMEDOUT\n`);
    // The budget (2 s) is spent, then one more request's timeout (2 s) at most: never a minute.
    expect(seconds).toBeGreaterThan(2);
    expect(seconds).toBeLessThan(15);
  } finally {
    child.kill("SIGCONT");
  }
}, 30_000);

test("with the default settings too, elt runs on a frozen server answers in one line within 15 s", async () => {
  child.kill("SIGSTOP");
  try {
    const started = Date.now();
    const runs = await runElt(["runs"], { env: env() });
    expect(runs.code).toBe(1);
    expect(runs.err).toBe(`elt: cannot reach S3 endpoint 127.0.0.1:${port}: ETIMEDOUT\n`);
    // A command that only looks has a short retry budget: one request's timeout (10 s), not a run's 30 s.
    expect((Date.now() - started) / 1000).toBeLessThan(15);
  } finally {
    child.kill("SIGCONT");
  }
}, 40_000);

test("a server back within the retry budget is waited for, and the command succeeds", async () => {
  child.kill("SIGSTOP");
  const thaw = setTimeout(() => child.kill("SIGCONT"), 3_000);
  try {
    const started = Date.now();
    const runs = await runElt(["runs"], { env: env({ ELT_STORE_TIMEOUT_SECONDS: "1", ELT_STORE_RETRY_SECONDS: "20" }) });
    expect(runs.err).toBe("");
    expect(runs.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(3_000);
  } finally {
    clearTimeout(thaw);
    child.kill("SIGCONT");
  }
}, 30_000);
