import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Store } from "../../src/storage/s3.ts";
import { listAll, readText } from "../../src/storage/object-store.ts";
import { runElt, startServe } from "../support/cli.ts";
import { startS3rver, type RunningS3rver } from "../support/s3rver.ts";

/**
 * A whole pipeline and the API run with credentials in the environment; nothing a user or a
 * log reader can see (output, errors, run records, logs, API answers) may contain any of them.
 */

const SECRET_KEY = "Zq8-secret-KEY-4471";
const MONGO_PASSWORD = "m0ngo-PASS-9921";
const API_KEY = "api-KEY-5512-xyz";

let dir: string;
let s3: RunningS3rver;
let env: Record<string, string>;
const seen: string[] = [];

/** Never blocking: s3rver answers from this very process. */
async function cli(args: string[], extra: Record<string, string> = {}) {
  const { code, out, err } = await runElt(args, { cwd: dir, env: { ...env, ...extra } });
  seen.push(out + err);
  return { code, text: out + err };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-secrets-"));
  s3 = await startS3rver();
  env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    NO_COLOR: "1",
    ELT_HOME: join(dir, "home"),
    MINIO_ENDPOINT: `127.0.0.1:${s3.config.port}`,
    MINIO_ACCESS_KEY: s3.config.accessKey,
    MINIO_SECRET_KEY: SECRET_KEY, // s3rver checks the key id, not the signature
    API_KEY,
  };
});
afterAll(async () => {
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
});

test("a pipeline run, its records and logs never show a secret", async () => {
  expect((await cli(["generate", "--clients", "30", "--seed", "3", "--as-of", "2026-06-30"])).code).toBe(0);
  const run = await cli(["run", "--all", "--as-of", "2026-06-30"]);
  expect(run.text).not.toContain("error:");
  expect(run.code).toBe(0);
  expect(run.text).toContain(`s3 http://127.0.0.1:${s3.config.port}`);
  await cli(["runs"]);
  await cli(["doctor"]);
  const store = new S3Store({ ...s3.config, secretKey: SECRET_KEY });
  let objects = 0;
  for await (const info of listAll(store, "runs", "")) {
    seen.push(await readText(store, "runs", info.key));
    objects++;
  }
  expect(objects).toBeGreaterThanOrEqual(2);
  const id = JSON.parse((await cli(["runs", "--json"])).text)[0].id as string;
  expect((await cli(["logs", id])).text).toContain("run succeeded");
}, 120_000);

test("errors that involve a credential name the place, not the secret", async () => {
  const mongo = `mongodb://elt:${MONGO_PASSWORD}@127.0.0.1:9/analytics`;
  const exported = await cli(["run", "export", "--force"], { MONGODB_URI: mongo });
  expect(exported.code).toBe(1);
  expect(exported.text).toContain("mongodb://elt:****@127.0.0.1:9");
  const doctor = await cli(["doctor"], { MONGODB_URI: mongo });
  expect(doctor.code).toBe(1);
  const denied = await cli(["runs"], { MINIO_ACCESS_KEY: "nobody", MINIO_SECRET_KEY: SECRET_KEY });
  expect(denied.code).toBe(1);
  expect(denied.text).toContain("credentials rejected");
  // A retry budget of 1 s: the default rides out a 30 s outage.
  expect((await cli(["doctor"], { MINIO_ENDPOINT: "127.0.0.1:9", ELT_STORE_RETRY_SECONDS: "1" })).code).toBe(1);
}, 120_000);

test("the API answers, and refuses, without echoing a key", async () => {
  const api = await startServe(env, dir);
  try {
    const paths = ["/", "/health", "/kpis", "/fact_achats?limit=5", "/refresh_time/kpis", "/nope", "/fact_achats?limit=0", "/docs"];
    for (const path of paths) {
      for (const headers of [{ "x-api-key": API_KEY }, { "x-api-key": "wrong" }, {}] as Record<string, string>[]) {
        const res = await fetch(api.base + path, { headers });
        seen.push(`${path} ${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
      }
    }
    expect((await fetch(`${api.base}/kpis`)).status).toBe(401);
    expect((await fetch(`${api.base}/kpis`, { headers: { "x-api-key": API_KEY } })).status).toBe(200);
  } finally {
    await api.stop(); // a failed expectation must not leave a server behind
  }
  seen.push(api.output(), await new Response(api.proc.stderr as ReadableStream).text());
  expect(api.output()).toContain("GET /kpis 401");
}, 60_000);

afterAll(() => {
  const all = seen.join("\n");
  expect(all.length).toBeGreaterThan(1000);
  for (const secret of [SECRET_KEY, MONGO_PASSWORD, API_KEY]) expect(all).not.toContain(secret);
});
