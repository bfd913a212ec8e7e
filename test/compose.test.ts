import { expect, test } from "bun:test";
import { join } from "node:path";
import { parse } from "yaml";
import { envSchema, loadConfig, parseDotenv } from "../src/config/environment.ts";
import { BUCKETS } from "../src/storage/object-store.ts";

/** docker-compose.yml and .env.example describe one setup: `docker compose up -d` plus that .env must just work. */

const root = join(import.meta.dir, "..");
const compose = parse(await Bun.file(join(root, "docker-compose.yml")).text());
const dotenv = parseDotenv(await Bun.file(join(root, ".env.example")).text());

/** Compose's `${VAR:-default}`, nested ones innermost first, as it resolves against a .env. */
function interpolate(value: string, env: Record<string, string>): string {
  const innermost = /\$\{(\w+):-([^${}]*)\}/g;
  let out = value;
  while (innermost.test(out)) out = out.replace(innermost, (_, name: string, fallback: string) => env[name] || fallback);
  return out;
}

test("services: MinIO, its bucket maker, MongoDB, and Metabase behind the bi profile", () => {
  expect(Object.keys(compose.services).sort()).toEqual(["metabase", "minio", "minio-init", "mongodb"]);
  const { minio, mongodb, metabase } = compose.services;
  expect(minio.ports).toEqual(["9000:9000", "9001:9001"]);
  expect(minio.command).toEqual(["server", "/data", "--console-address", ":9001"]);
  expect(mongodb.ports).toEqual(["27017:27017"]);
  expect(mongodb.volumes).toEqual(["mongodb-data:/data/db"]);
  expect(Object.keys(compose.volumes)).toContain("mongodb-data");
  expect(metabase.ports).toEqual(["3000:3000"]);
  expect(metabase.profiles).toEqual(["bi"]);
  expect(minio.profiles).toBeUndefined();
  expect(mongodb.profiles).toBeUndefined();
});

test("the init service makes exactly the buckets elt uses with the same .env, once MinIO answers", () => {
  const init = compose.services["minio-init"];
  expect(init.depends_on).toEqual(["minio"]);
  const made = (env: Record<string, string>) => interpolate(init.environment.ELT_BUCKETS, env).split(" ");
  const used = (env: Record<string, string>) => BUCKETS.map((b) => loadConfig(env).s3!.buckets![b]!);
  expect(made(dotenv)).toEqual([...BUCKETS]);
  for (const env of [{ ...dotenv, ELT_BUCKET_PREFIX: "acme-elt-" }, { ...dotenv, ELT_BUCKET_PREFIX: "acme-elt-", ELT_BUCKET_GOLD: "shared-gold" }]) {
    expect(made(env)).toEqual(used(env));
  }
  expect(made({ ...dotenv, ELT_BUCKET_PREFIX: "acme-elt-" })).toEqual(["acme-elt-bronze", "acme-elt-silver", "acme-elt-gold", "acme-elt-runs"]);
  const script = init.command.join("\n");
  expect(script).toContain('until mc alias set elt http://minio:9000 "$$MINIO_ROOT_USER" "$$MINIO_ROOT_PASSWORD"');
  expect(script).toContain('for bucket in $$ELT_BUCKETS; do mc mb --ignore-existing "elt/$$bucket"; done');
});

test("MinIO starts with the credentials .env.example gives elt, and the same defaults without it", () => {
  const { minio } = compose.services;
  const init = compose.services["minio-init"];
  for (const env of [dotenv, {}]) {
    for (const service of [minio, init]) {
      expect(interpolate(service.environment.MINIO_ROOT_USER, env)).toBe(dotenv.MINIO_ACCESS_KEY!);
      expect(interpolate(service.environment.MINIO_ROOT_PASSWORD, env)).toBe(dotenv.MINIO_SECRET_KEY!);
    }
  }
  // A .env with other credentials moves MinIO along with elt.
  const other = { ...dotenv, MINIO_ACCESS_KEY: "elt-user", MINIO_SECRET_KEY: "elt-password" };
  expect(interpolate(minio.environment.MINIO_ROOT_USER, other)).toBe("elt-user");
  expect(interpolate(minio.environment.MINIO_ROOT_PASSWORD, other)).toBe("elt-password");
});

test(".env.example sets every variable elt reads, and loadConfig accepts it as the Docker setup", () => {
  expect(Object.keys(envSchema.shape).filter((name) => !(name in dotenv))).toEqual([]);
  const config = loadConfig(dotenv);
  expect(config.s3).toEqual({
    endPoint: "localhost",
    port: 9000,
    useSSL: false,
    accessKey: "minioadmin",
    secretKey: "minioadmin",
    buckets: { bronze: "bronze", silver: "silver", gold: "gold", runs: "runs" },
    timeoutMs: 10_000,
    retryMs: 30_000,
  });
  expect(config.mongo).toEqual({ uri: "mongodb://localhost:27017", database: "analytics", prefix: "gold_" });
  expect(config.apiUrl).toBe("http://localhost:8000");
  expect(config.apiKey).toBeUndefined();
  expect(config.home).toBe(join(process.cwd(), ".elt"));
  // The ports elt is pointed at are the ones compose publishes.
  expect(compose.services.minio.ports).toContain(`${config.s3!.port}:9000`);
  expect(compose.services.mongodb.ports).toContain(`${new URL(config.mongo!.uri).port}:27017`);
});
