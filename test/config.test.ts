import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig, parseDotenv, readEnv, redact, secretsOf } from "../src/config.ts";
import { maskUri } from "../src/serving/mongo/settings.ts";
import { ConfigError } from "../src/errors.ts";

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
    expect(config).toEqual({ home: resolve(".elt"), apiUrl: "http://localhost:8000", apiKey: undefined });
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
    expect(config.s3).toEqual({ endPoint: "localhost", port: 9000, useSSL: false, accessKey: "minioadmin", secretKey: "minio-secret" });
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
  ] as [Record<string, string>, string][])("%j is refused naming the variable", (env, message) => {
    const err = configError(env);
    expect(err.exitCode).toBe(2);
    expect(err.message.startsWith(message)).toBe(true);
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
