import { afterAll, afterEach, beforeEach, expect, test } from "bun:test";
import * as net from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { doctorCommand } from "../../src/commands/doctor.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { S3Store } from "../../src/storage/s3.ts";
import { baseEnv, runElt } from "../support/cli.ts";
import { compiledElt } from "../support/compiled.ts";
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
      "  ELT_BUCKET_PREFIX          (unset)",
      "  ELT_BUCKET_BRONZE          (unset)",
      "  ELT_BUCKET_SILVER          (unset)",
      "  ELT_BUCKET_GOLD            (unset)",
      "  ELT_BUCKET_RUNS            (unset)",
      "  ELT_STORE_TIMEOUT_SECONDS  (unset)",
      "  ELT_STORE_RETRY_SECONDS    (unset)",
      `  MONGODB_URI                (unset: gold tables served from ${home}/serving.sqlite)`,
      "  MONGODB_DATABASE           (unset)",
      "  MONGODB_COLLECTION_PREFIX  (unset)",
      "  API_URL                    http://localhost:8000",
      "  API_KEY                    (unset: the API answers without a key)",
      "  ELT_ALERT_WEBHOOK          (unset: no alerts)",
      "  ELT_KEEP_RUNS              10000",
      "  ELT_CONFIG                 (unset: no elt.toml here: the default quality thresholds)",
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

/** `elt doctor` as a user runs it: the executable, in a folder of its own. */
const doctorBinary = async (env: Record<string, string>, ...args: string[]) =>
  runElt(["doctor", ...args], { cwd: home, env: baseEnv(env), elt: [await compiledElt()] });

test("S3: the bucket names, their prefix and the store's timeout and retry are listed", async () => {
  const env = { ...s3env(), ELT_BUCKET_PREFIX: "acme-", ELT_BUCKET_GOLD: "our-gold", ELT_STORE_TIMEOUT_SECONDS: "2.5", ELT_STORE_RETRY_SECONDS: "4" };
  const { out } = await doctorBinary(env);
  expect(out).toContain(
    [
      "  ELT_BUCKET_PREFIX          acme-",
      "  ELT_BUCKET_BRONZE          acme-bronze",
      "  ELT_BUCKET_SILVER          acme-silver",
      "  ELT_BUCKET_GOLD            our-gold",
      "  ELT_BUCKET_RUNS            acme-runs",
      "  ELT_STORE_TIMEOUT_SECONDS  2.5",
      "  ELT_STORE_RETRY_SECONDS    4",
      "",
    ].join("\n"),
  );
  expect(out).not.toContain("S3RVER");
}, 60_000);

test("the project file in use is listed: the one ELT_CONFIG names, else elt.toml in the working directory", async () => {
  const named = join(home, "thresholds.toml");
  await writeFile(named, "[quality.freshness]\nenabled = false\n");
  expect((await doctorBinary({ ELT_HOME: home, ELT_CONFIG: named })).out).toContain(`  ELT_CONFIG                 ${named}\n`);
  await writeFile(join(home, "elt.toml"), "");
  expect((await doctorBinary({ ELT_HOME: home })).out).toContain(`  ELT_CONFIG                 (unset: ${join(home, "elt.toml")})\n`);
}, 60_000);

test("what `elt run` refuses before it starts, doctor refuses in the same words, exit 2", async () => {
  const file = join(home, "a-file");
  await writeFile(file, "");
  const cases: [Record<string, string>, string, string][] = [
    [{ ELT_CONFIG: join(home, "absent.toml") }, "", `ELT_CONFIG: ${join(home, "absent.toml")} does not exist`],
    [{}, "[quality.no_such_check]\nwarn = 1\n", `${join(home, "elt.toml")}: quality.no_such_check: unknown key`],
    [{ ELT_HOME: file }, "", `ELT_HOME: ${file} is a file, not a folder`],
  ];
  for (const [env, toml, message] of cases) {
    await (toml ? writeFile(join(home, "elt.toml"), toml) : rm(join(home, "elt.toml"), { force: true }));
    const full = { ELT_HOME: join(home, "lake-home"), ...env };
    const run = await runElt(["run", "--all", "--generate"], { cwd: home, env: baseEnv(full), elt: [await compiledElt()] });
    expect({ code: run.code, err: run.err }).toEqual({ code: 2, err: `elt: ${message}\n` });
    const doctor = await doctorBinary(full);
    expect({ code: doctor.code, out: doctor.out }).toEqual({ code: 2, out: `configuration error: ${message}\n` });
  }
}, 60_000);

test("--alert-test without ELT_ALERT_WEBHOOK is a configuration error: one line, exit 2", async () => {
  const { code, out, err } = await doctorBinary({ ELT_HOME: home }, "--alert-test");
  expect({ code, out, err }).toEqual({
    code: 2,
    out: "configuration error: --alert-test: ELT_ALERT_WEBHOOK is not set (set it to the webhook URL the test alert goes to)\n",
    err: "",
  });
}, 60_000);
