import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RUNS_KEPT, loadConfig, parseDotenv, readEnv, secretsOf } from "../../src/config/environment.ts";
import { redact } from "../../src/core/redact.ts";
import { mongoBackend } from "../../src/serving/mongo/backend.ts";
import { maskUri } from "../../src/serving/mongo/settings.ts";
import { ConfigError } from "../../src/core/errors.ts";

const S3 = { MINIO_ENDPOINT: "localhost:9000", MINIO_ACCESS_KEY: "minioadmin", MINIO_SECRET_KEY: "minio-secret" };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  test("no configuration at all is the embedded default", () => {
    const config = loadConfig({});
    expect(config).toEqual({ home: resolve(".elt"), apiUrl: "http://localhost:8000", apiKey: undefined, keepRuns: RUNS_KEPT });
  });

  test("the original project's .env works unchanged; PREFECT_API_URL is ignored", () => {
    const config = loadConfig({
      ...S3,
      MINIO_SECURE: "False",
      MONGODB_URI: "mongodb://admin:pw@localhost:27017",
      MONGODB_DATABASE: "analytics",
      MONGODB_COLLECTION_PREFIX: "gold_",
      API_URL: "http://localhost:8000/",
      PREFECT_API_URL: "http://localhost:4200/api",
    });
    expect(config.s3).toEqual({
      endPoint: "localhost",
      port: 9000,
      useSSL: false,
      accessKey: "minioadmin",
      secretKey: "minio-secret",
      buckets: { bronze: "bronze", silver: "silver", gold: "gold", runs: "runs" },
      timeoutMs: 10_000,
      retryMs: 30_000,
    });
    expect(config.mongo).toEqual({ uri: "mongodb://admin:pw@localhost:27017", database: "analytics", prefix: "gold_" });
    expect(config.apiUrl).toBe("http://localhost:8000");
  });

  test.each([
    [{ ...S3, MINIO_SECURE: "maybe" }, "MINIO_SECURE: expected true or false"],
    [{ ...S3, MINIO_ENDPOINT: "http://localhost:9000" }, "MINIO_ENDPOINT: expected host or host:port, with no scheme or path"],
    [{ ...S3, MINIO_ENDPOINT: "localhost:9000/bucket" }, "MINIO_ENDPOINT: expected host or host:port, with no scheme or path"],
    [{ MONGODB_URI: "localhost:27017" }, "MONGODB_URI: expected a MongoDB connection string"],
    [{ API_URL: "ftp://x" }, "API_URL: expected an http(s) URL"],
    [{ MINIO_ENDPOINT: "localhost:9000", MINIO_SECRET_KEY: "s" }, "MINIO_ACCESS_KEY: required when MINIO_ENDPOINT is set"],
    [{ MONGODB_DATABASE: "my db" }, "MONGODB_DATABASE: expected a database name"],
    [{ ...S3, ELT_BUCKET_PREFIX: "Acme-" }, 'ELT_BUCKET_PREFIX: "Acme-bronze" is not a bucket name: lowercase letters'],
    [{ ELT_BUCKET_PREFIX: "acme_" }, 'ELT_BUCKET_PREFIX: "acme_bronze" is not a bucket name'],
    [{ ...S3, ELT_BUCKET_PREFIX: "a".repeat(58) }, `ELT_BUCKET_PREFIX: "${"a".repeat(58)}bronze" has 64 characters: a bucket name has 3 to 63`],
    [{ ...S3, ELT_BUCKET_GOLD: "g" }, 'ELT_BUCKET_GOLD: "g" has 1 characters: a bucket name has 3 to 63'],
    [{ ...S3, ELT_BUCKET_RUNS: "my..runs" }, 'ELT_BUCKET_RUNS: "my..runs" is not a bucket name: no two dots in a row'],
    [{ ...S3, ELT_BUCKET_SILVER: "10.0.0.1" }, 'ELT_BUCKET_SILVER: "10.0.0.1" is not a bucket name: it looks like an IP address'],
    [{ ...S3, ELT_BUCKET_BRONZE: "xn--elt" }, 'ELT_BUCKET_BRONZE: "xn--elt" uses a prefix or suffix S3 reserves'],
    [{ ...S3, ELT_BUCKET_GOLD: "silver" }, 'ELT_BUCKET_GOLD: bucket "silver" is already the silver bucket: each bucket needs its own'],
    [{ ...S3, ELT_STORE_TIMEOUT_SECONDS: "ten" }, "ELT_STORE_TIMEOUT_SECONDS: expected a number of seconds such as 10"],
    [{ ...S3, ELT_STORE_TIMEOUT_SECONDS: "0" }, "ELT_STORE_TIMEOUT_SECONDS: expected a number of seconds above 0"],
    [{ ...S3, ELT_STORE_RETRY_SECONDS: "-1" }, "ELT_STORE_RETRY_SECONDS: expected a number of seconds above 0"],
    [{ ELT_KEEP_RUNS: "0" }, 'ELT_KEEP_RUNS: expected a whole number of runs above 0, or "all"'],
    [{ ELT_KEEP_RUNS: "2.5" }, 'ELT_KEEP_RUNS: expected a whole number of runs above 0, or "all"'],
    [{ ELT_KEEP_RUNS: "many" }, 'ELT_KEEP_RUNS: expected a whole number of runs above 0, or "all"'],
    [{ ELT_KEEP_RUNS: "1e3" }, 'ELT_KEEP_RUNS: expected a whole number of runs above 0, or "all"'],
  ] as [Record<string, string>, string][])("%j is refused naming the variable", (env, message) => {
    const err = configError(env);
    expect(err.exitCode).toBe(2);
    expect(err.message.startsWith(message)).toBe(true);
  });

  test("a MongoDB host the driver would refuse only when it connects is refused at start, its password unshown", () => {
    for (const [uri, host] of [
      ["mongodb://u:pw123@127.0.0.1:notaport/db", "127.0.0.1:notaport"],
      ["mongodb://u:pw123@[::1/db", "[::1"],
    ]) {
      const err = configError({ MONGODB_URI: uri! });
      expect(err.exitCode).toBe(2);
      expect(err.message).toStartWith("MONGODB_URI: expected a MongoDB connection string");
      expect(err.message).toEndWith(`: the host ${host} is not host[:port]`);
      expect(err.message).not.toContain("pw123");
    }
  });

  test("S3 bucket names: a prefix on every logical name, or each bucket's own variable", () => {
    const config = loadConfig({ ...S3, ELT_BUCKET_PREFIX: "acme-elt-", ELT_BUCKET_RUNS: "acme-shared.runs" });
    expect(config.s3?.buckets).toEqual({ bronze: "acme-elt-bronze", silver: "acme-elt-silver", gold: "acme-elt-gold", runs: "acme-shared.runs" });
  });

  test("the runs kept are a count, or all of them", () => {
    expect(loadConfig({ ELT_KEEP_RUNS: "500" }).keepRuns).toBe(500);
    expect(loadConfig({ ELT_KEEP_RUNS: " All " }).keepRuns).toBe(Infinity);
    expect(loadConfig({ ELT_KEEP_RUNS: "" }).keepRuns).toBe(RUNS_KEPT);
  });

  test("store timeouts and the retry budget are seconds, decimals allowed", () => {
    const config = loadConfig({ ...S3, ELT_STORE_TIMEOUT_SECONDS: "2.5", ELT_STORE_RETRY_SECONDS: "60" });
    expect([config.s3?.timeoutMs, config.s3?.retryMs]).toEqual([2_500, 60_000]);
  });

  test("ELT_HOME must be a folder, or one that can be made: a file there or above it is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "elt-home-"));
    try {
      const file = join(dir, "a-file");
      writeFileSync(file, "");
      expect(configError({ ELT_HOME: file }).message).toBe(`ELT_HOME: ${file} is a file, not a folder`);
      expect(configError({ ELT_HOME: join(file, "home") }).message).toBe(`ELT_HOME: ${join(file, "home")} cannot be made: ${file} is a file`);
      expect(loadConfig({ ELT_HOME: join(dir, "not", "yet") }).home).toBe(join(dir, "not", "yet"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a bad value's message never repeats the secret", () => {
    const err = configError({ MONGODB_URI: "localhost:27017/?password=hunter2" });
    expect(err.message).not.toContain("hunter2");
  });
});

describe(".env", () => {
  test("parses what shells and dotenv files write; the environment wins over the file", () => {
    expect(parseDotenv('# c\nexport A=1\nB = "two words" \nC=\'x # y\'\nD=plain # comment\n\nbad line\n')).toEqual({
      A: "1",
      B: "two words",
      C: "x # y",
      D: "plain",
    });
    const dir = mkdtempSync(join(tmpdir(), "elt-env-"));
    try {
      writeFileSync(join(dir, ".env"), "ELT_HOME=/from/file\nAPI_URL=http://file:1\n");
      const env = readEnv(dir, { API_URL: "http://env:2" });
      expect(env.ELT_HOME).toBe("/from/file");
      expect(env.API_URL).toBe("http://env:2");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("secrets", () => {
  test("URIs are masked and every secret is scrubbed from text", () => {
    expect(maskUri("mongodb://elt:p%40ss@db:27017/x")).toBe("mongodb://elt:****@db:27017/x");
    expect(maskUri("mongodb://db:27017")).toBe("mongodb://db:27017");
    const config = loadConfig({ ...S3, MONGODB_URI: "mongodb://elt:p%40ss@db:27017", API_KEY: "k3y-123" });
    const secrets = secretsOf(config);
    expect(redact("key minio-secret, uri p%40ss and p@ss, api k3y-123", secrets)).toBe("key ****, uri **** and ****, api ****");
  });
});

describe("MongoDB connection strings", () => {
  test.each([
    "mongodb://h1:27017,h2:27017/?replicaSet=rs0",
    "mongodb://elt:pw@h1:27017,h2:27017,h3/analytics?replicaSet=rs0&authSource=admin&readPreference=secondaryPreferred",
    "mongodb+srv://elt:p%40ss@cluster0.abcde.mongodb.net/?retryWrites=true&w=majority",
    "mongodb://[::1]:27017",
    "mongodb://db?directConnection=true",
  ])("%s is taken as the driver takes it", (uri) => {
    expect(loadConfig({ MONGODB_URI: uri }).mongo?.uri).toBe(uri);
  });

  test.each([
    ["mongodb://", "Protocol and host list are required in the uri"],
    ["mongodb+srv://h1,h2/", "mongodb+srv URI cannot have multiple service names"],
    ["mongodb+srv://cluster0.example.net:27017/", "mongodb+srv URI cannot have port number"],
    ["mongodb://elt:p/ss@db/", "Password contains unescaped characters"],
    ["mongodb://us/er:pw@db/", "the user name has unescaped characters (percent-encode them)"],
  ])("%s is refused with the driver's reason", (uri, reason) => {
    const err = configError({ MONGODB_URI: uri });
    expect(err.message).toStartWith("MONGODB_URI: expected a MongoDB connection string, mongodb://");
    expect(err.message).toEndWith(`: ${reason}`);
  });

  test("a refused URI's message never repeats its password, whatever layer refused it", () => {
    for (const uri of ["mongodb://hunter2/x:pw@db/", "mongodb://elt:hunter2%zz@db/", "mongodb://elt:hunter2/@db/", "hunter2@db"]) {
      const err = configError({ MONGODB_URI: uri });
      expect(err.message).toStartWith("MONGODB_URI: expected a MongoDB connection string");
      expect(err.message).not.toContain("hunter2");
    }
  });

  test("passwords are masked and scrubbed with several hosts, +srv and password options", () => {
    const uris: [string, string, string[]][] = [
      ["mongodb://elt:s3cret@h1:27017,h2:27017/db?replicaSet=rs0", "mongodb://elt:****@h1:27017,h2:27017/db?replicaSet=rs0", ["s3cret"]],
      ["mongodb+srv://elt:p%40ss@cluster0.abcde.mongodb.net/?w=majority", "mongodb+srv://elt:****@cluster0.abcde.mongodb.net/?w=majority", ["p%40ss", "p@ss"]],
      ["mongodb://h1:27017,h2:27017/?replicaSet=rs0", "mongodb://h1:27017,h2:27017/?replicaSet=rs0", []],
      [
        "mongodb://db/?tls=true&tlsCertificateKeyFilePassword=k3y&proxyHost=p&proxyPassword=pr0xy",
        "mongodb://db/?tls=true&tlsCertificateKeyFilePassword=****&proxyHost=p&proxyPassword=****",
        ["k3y", "pr0xy"],
      ],
    ];
    for (const [uri, masked, passwords] of uris) {
      expect(maskUri(uri)).toBe(masked);
      const secrets = secretsOf(loadConfig({ MONGODB_URI: uri }));
      expect(new Set(secrets)).toEqual(new Set(passwords));
      expect(redact(uri, secrets)).not.toMatch(/s3cret|p%40ss|k3y|pr0xy/);
    }
  });

  test("doctor says credentials were accepted only when the URI has some", () => {
    const verdict = (uri: string) => mongoBackend.target({ uri, database: "analytics", prefix: "gold_" }, "/tmp").reachable;
    expect(verdict("mongodb://elt:pw@db:27017")).toBe("reachable, credentials accepted");
    expect(verdict("mongodb+srv://elt:pw@cluster0.example.net/")).toBe("reachable, credentials accepted");
    expect(verdict("mongodb://db/?authMechanism=MONGODB-X509&tls=true")).toBe("reachable, credentials accepted");
    expect(verdict("mongodb://h1:27017,h2:27017/?replicaSet=rs0")).toBe("reachable, no credentials in MONGODB_URI (not authenticated)");
    expect(verdict("mongodb://db:27017/?appName=a@b")).toBe("reachable, no credentials in MONGODB_URI (not authenticated)");
  });
});
