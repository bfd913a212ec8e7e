import { afterAll, afterEach, beforeEach, expect, test } from "bun:test";
import * as net from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { doctorCommand } from "../../src/commands/doctor.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { S3Store } from "../../src/storage/s3.ts";
import { startS3rver } from "../support/s3rver.ts";

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "elt-doctor-"));
});
afterEach(() => rm(home, { recursive: true, force: true }));

const s3rver = await startS3rver();
afterAll(() => s3rver.stop());
const s3env = () => ({ ELT_HOME: home, MINIO_ENDPOINT: `127.0.0.1:${s3rver.config.port}`, MINIO_ACCESS_KEY: "S3RVER", MINIO_SECRET_KEY: "S3RVER" });

async function doctor(env: Record<string, string>, json = false) {
  let out = "";
  const code = await doctorCommand({ json }, { env, write: (text) => (out += text), color: false });
  return { code, out };
}

test("embedded defaults: folders and SQLite under ELT_HOME, buckets not made yet", async () => {
  const { code, out } = await doctor({ ELT_HOME: home });
  expect(code).toBe(0);
  expect(out).toBe(
    [
      "configuration",
      `  ELT_HOME                   ${home}`,
      `  MINIO_ENDPOINT             (unset: objects in folders under ${home}/lake)`,
      "  MINIO_ACCESS_KEY           (unset)",
      "  MINIO_SECRET_KEY           (unset)",
      "  MINIO_SECURE               (unset)",
      `  MONGODB_URI                (unset: gold tables served from ${home}/serving.sqlite)`,
      "  MONGODB_DATABASE           (unset)",
      "  MONGODB_COLLECTION_PREFIX  (unset)",
      "  API_URL                    http://localhost:8000",
      "  API_KEY                    (unset: the API answers without a key)",
      "  ELT_ALERT_WEBHOOK          (unset: no alerts)",
      "  ELT_KEEP_RUNS              10000",
      "",
      "checks",
      `  warn  object store   folder ${home}/lake: readable; missing buckets: bronze, silver, gold, runs (the next run creates them)`,
      `  warn  serving store  ${home}/serving.sqlite: ${home}/serving.sqlite does not exist yet: nothing is served before the first \`elt run --all\``,
      "",
    ].join("\n"),
  );
  await new FolderStore(join(home, "lake")).ensureBuckets();
  expect((await doctor({ ELT_HOME: home })).out).toContain(`  ok    object store   folder ${home}/lake: readable, buckets present\n`);
});

test("S3: reachable with its buckets, and no key is ever printed", async () => {
  await new S3Store(s3rver.config).ensureBuckets(["bronze", "silver"]);
  const env = { ...s3env(), API_KEY: "api-key-123", MONGODB_DATABASE: "ignored-without-uri" };
  const first = await doctor(env);
  expect(first.code).toBe(0);
  expect(first.out).toContain(`  MINIO_ENDPOINT             127.0.0.1:${s3rver.config.port}\n`);
  expect(first.out).toContain("  MINIO_ACCESS_KEY           ****\n  MINIO_SECRET_KEY           ****\n  MINIO_SECURE               false\n");
  expect(first.out).toContain("  API_KEY                    ****\n");
  expect(first.out).toContain(
    `  warn  object store   s3 http://127.0.0.1:${s3rver.config.port}: reachable, credentials accepted; missing buckets: gold, runs (the next run creates them)\n`,
  );
  expect(first.out).not.toContain("S3RVER");
  expect(first.out).not.toContain("api-key-123");

  await new S3Store(s3rver.config).ensureBuckets();
  const json = await doctor(env, true);
  expect(json.code).toBe(0);
  const report = JSON.parse(json.out);
  expect(report.ok).toBe(true);
  expect(report.config).toMatchObject({ MINIO_ACCESS_KEY: "****", MINIO_SECRET_KEY: "****", API_KEY: "****", MONGODB_URI: null });
  expect(report.checks[0]).toEqual({
    name: "object store",
    location: `s3 http://127.0.0.1:${s3rver.config.port}`,
    verdict: "ok",
    detail: "reachable, credentials accepted, buckets present",
    missing_buckets: [],
  });
  expect(json.out).not.toContain("S3RVER");
});

test("refused credentials fail the check with exit 1", async () => {
  const { code, out } = await doctor({ ...s3env(), MINIO_ACCESS_KEY: "nobody", MINIO_SECRET_KEY: "hunter22" });
  expect(code).toBe(1);
  expect(out).toContain(
    `  FAIL  object store   s3 http://127.0.0.1:${s3rver.config.port}: credentials rejected by 127.0.0.1:${s3rver.config.port} (InvalidAccessKeyId): check MINIO_ACCESS_KEY / MINIO_SECRET_KEY\n`,
  );
  expect(out).not.toContain("hunter22");
});

test("an endpoint nobody answers fails with exit 1; a MongoDB password is masked", async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const { code, out } = await doctor(
    // A retry budget of 1 s: the default rides out a 30 s outage.
    { ...s3env(), ELT_STORE_RETRY_SECONDS: "1", MINIO_ENDPOINT: `127.0.0.1:${port}`, MONGODB_URI: `mongodb://elt:pa55word@127.0.0.1:${port}/analytics` },
    true,
  );
  expect(code).toBe(1);
  const report = JSON.parse(out);
  expect(report.config.MONGODB_URI).toBe(`mongodb://elt:****@127.0.0.1:${port}/analytics`);
  expect(report.checks.map((c: { verdict: string }) => c.verdict)).toEqual(["fail", "fail"]);
  expect(report.checks[0].detail).toBe(`cannot reach S3 endpoint 127.0.0.1:${port}: ECONNREFUSED`);
  expect(report.checks[1].location).toBe(`mongodb://elt:****@127.0.0.1:${port}/analytics`);
  expect(out).not.toContain("pa55word");
});

test("a configuration error exits 2 naming the variable", async () => {
  const text = await doctor({ ELT_HOME: home, MINIO_ENDPOINT: "http://localhost:9000" });
  expect(text.code).toBe(2);
  expect(text.out).toStartWith("configuration error: MINIO_ENDPOINT: expected host or host:port");
  const json = await doctor({ ELT_HOME: home, MINIO_ENDPOINT: "localhost:9000" }, true);
  expect(json.code).toBe(2);
  expect(JSON.parse(json.out)).toEqual({ ok: false, error: "MINIO_ACCESS_KEY: required when MINIO_ENDPOINT is set" });
});
