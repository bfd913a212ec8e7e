import { afterAll, afterEach, describe, expect, test } from "bun:test";
import * as http from "node:http";
import type * as net from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "minio";
import { loadConfig, type S3Config } from "../../src/config/environment.ts";
import { BUCKETS, readText } from "../../src/storage/object-store.ts";
import { S3Store } from "../../src/storage/s3.ts";
import { baseEnv, runElt } from "../support/cli.ts";
import { RGW_MISSING, startRgw } from "../support/rgw.ts";
import { startS3rver } from "../support/s3rver.ts";
import { caughtStoreError as caught } from "../support/caught.ts";

/** Bucket names as production users have them: a prefix, existing buckets, and refusals that say why. */

const PREFIXED = ["acme-elt-bronze", "acme-elt-silver", "acme-elt-gold", "acme-elt-runs"];

const withPrefix = (s3: S3Config, prefix: string): S3Config => ({
  ...s3,
  buckets: loadConfig({ MINIO_ENDPOINT: `${s3.endPoint}:${s3.port}`, MINIO_ACCESS_KEY: "k", MINIO_SECRET_KEY: "s", ELT_BUCKET_PREFIX: prefix }).s3!.buckets,
});

const bucketsOn = async (s3: S3Config) => (await new Client(s3).listBuckets()).map((b) => b.name).sort();

const s3rver = await startS3rver();
afterAll(() => s3rver.stop());

describe("on s3rver", () => {
  test("a store with a prefix creates and uses only the prefixed buckets", async () => {
    const store = new S3Store(withPrefix(s3rver.config, "acme-elt-"), { retries: 0 });
    expect(await store.missingBuckets()).toEqual([...BUCKETS]);
    await store.ensureBuckets();
    await store.put("gold", "kpis.csv", "ca_total\n1\n");
    expect(await bucketsOn(s3rver.config)).toEqual([...PREFIXED].sort());
    expect(await readText(store, "gold", "kpis.csv")).toBe("ca_total\n1\n");
    expect(await new Client(s3rver.config).statObject("acme-elt-gold", "kpis.csv")).toMatchObject({ size: 11 });
  });

  test("elt run --all with ELT_BUCKET_PREFIX writes every object into the prefixed buckets only", async () => {
    const home = await mkdtemp(join(tmpdir(), "elt-prefix-"));
    try {
      const env = baseEnv({
        ELT_HOME: home,
        MINIO_ENDPOINT: `127.0.0.1:${s3rver.config.port}`,
        MINIO_ACCESS_KEY: "S3RVER",
        MINIO_SECRET_KEY: "S3RVER",
        ELT_BUCKET_PREFIX: "run-elt-",
      });
      const sources = join(home, "sources");
      const run = await runElt(["run", "--all", "--generate", "--sources", sources, "--as-of", "2026-11-01", "--json"], { env });
      expect(run.err).toBe("");
      expect(run.code).toBe(0);
      const names = (await bucketsOn(s3rver.config)).filter((n) => !PREFIXED.includes(n));
      expect(names).toEqual(["run-elt-bronze", "run-elt-gold", "run-elt-runs", "run-elt-silver"]);
      const client = new Client(s3rver.config);
      for (const name of names) {
        const keys: string[] = [];
        for await (const item of client.listObjectsV2(name, "", true)) if (item.name) keys.push(item.name);
        expect(keys.length).toBeGreaterThan(0);
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);

  test("elt rollback on an empty S3 store says there is nothing to roll back, as on the folder store", async () => {
    const home = await mkdtemp(join(tmpdir(), "elt-rollback-"));
    try {
      const folder = await runElt(["rollback"], { env: baseEnv({ ELT_HOME: home }) });
      const env = baseEnv({
        ELT_HOME: home,
        MINIO_ENDPOINT: `127.0.0.1:${s3rver.config.port}`,
        MINIO_ACCESS_KEY: "S3RVER",
        MINIO_SECRET_KEY: "S3RVER",
        ELT_BUCKET_PREFIX: "empty-",
      });
      const s3 = await runElt(["rollback"], { env });
      expect(s3.err).toBe("elt: no earlier gold version to roll back to (see `elt runs`)\n");
      expect([s3.code, s3.err]).toEqual([folder.code, folder.err]);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  test("wrong keys are named as such when buckets are checked", async () => {
    const err = await caught(new S3Store({ ...s3rver.config, accessKey: "nobody" }, { retries: 0 }).ensureBuckets());
    expect(err.kind).toBe("access_denied");
    expect(err.message).toBe(
      `credentials rejected by 127.0.0.1:${s3rver.config.port} (InvalidAccessKeyId): check MINIO_ACCESS_KEY / MINIO_SECRET_KEY`,
    );
  });
});

/**
 * An S3 endpoint that answers bucket requests as AWS does for the case at hand: only the
 * answers matter here, and AWS's cross-account refusals cannot be staged on s3rver.
 */
function fakeS3(answer: (req: http.IncomingMessage) => { status: number; code?: string }) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    // The client asks a bucket's region first; every answer here is us-east-1's.
    if (req.url?.endsWith("?location")) {
      res.writeHead(200, { "content-type": "application/xml" }).end('<?xml version="1.0"?><LocationConstraint></LocationConstraint>');
      return;
    }
    requests.push(`${req.method} ${req.url}`);
    const { status, code } = answer(req);
    const body = code ? `<?xml version="1.0"?><Error><Code>${code}</Code><Message>refused</Message></Error>` : "";
    const listing = req.url?.includes("uploads")
      ? '<?xml version="1.0"?><ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>'
      : '<?xml version="1.0"?><ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>';
    res.writeHead(status, { "content-type": "application/xml" }).end(status === 200 && req.method === "GET" ? listing : body);
  });
  return { server, requests };
}

const servers: http.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function storeOn(answer: (req: http.IncomingMessage) => { status: number; code?: string }) {
  const { server, requests } = fakeS3(answer);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const config = { endPoint: "127.0.0.1", port, useSSL: false, accessKey: "elt", secretKey: "elt-secret", region: "us-east-1" };
  return { store: new S3Store(withPrefix(config, "acme-elt-"), { retries: 0 }), requests, port };
}

describe("refusals, each naming its cause", () => {
  test("keys that may not create buckets: existing buckets are used as they are, none is created", async () => {
    const { store, requests } = await storeOn((req) => (req.method === "PUT" && req.url === "/acme-elt-gold" ? { status: 403, code: "AccessDenied" } : { status: 200 }));
    await store.ensureBuckets();
    expect(requests.filter((r) => r.startsWith("PUT"))).toEqual([]);
    // Each bucket listed to see it exists, then its incomplete uploads listed for the clean-up.
    const gets = requests.filter((r) => r.startsWith("GET")).map((r) => `${r.split("?")[0]} ${r.includes("uploads") ? "uploads" : "objects"}`);
    expect(gets).toEqual([...PREFIXED.map((b) => `GET /${b} objects`), ...PREFIXED.map((b) => `GET /${b} uploads`)]);
  });

  test("a missing bucket these keys may not create", async () => {
    const { store, port } = await storeOn((req) =>
      req.method === "GET" ? { status: 404, code: "NoSuchBucket" } : { status: 403, code: "AccessDenied" },
    );
    const err = await caught(store.ensureBuckets(["gold"]));
    expect(err.kind).toBe("access_denied");
    expect(err.message).toBe(
      `these keys may not create bucket acme-elt-gold on 127.0.0.1:${port} (AccessDenied): create it with keys that may, or set ELT_BUCKET_GOLD to a bucket that exists`,
    );
  });

  test("a bucket name another account owns is not taken for success", async () => {
    // Absent from the first listing, then taken by another account as this one tries to create it.
    let taken = false;
    const { store, port } = await storeOn((req) => {
      if (req.method === "PUT") {
        taken = true;
        return { status: 409, code: "BucketAlreadyExists" };
      }
      return taken ? { status: 403, code: "AccessDenied" } : { status: 404, code: "NoSuchBucket" };
    });
    const err = await caught(store.ensureBuckets(["gold"]));
    expect(err.kind).toBe("access_denied");
    expect(err.message).toBe(
      `bucket acme-elt-gold on 127.0.0.1:${port} belongs to another account or is not granted to these keys (BucketAlreadyExists): bucket names are global on AWS; set ELT_BUCKET_PREFIX (e.g. acme-elt-) or ELT_BUCKET_GOLD`,
    );
  });

  test("an existing bucket these keys may not use", async () => {
    const { store, port } = await storeOn(() => ({ status: 403, code: "AccessDenied" }));
    const err = await caught(store.missingBuckets(["runs"]));
    expect(err.message).toStartWith(`bucket acme-elt-runs on 127.0.0.1:${port} belongs to another account or is not granted to these keys (AccessDenied)`);
  });

  test("a write these keys may not make says so, not that the keys are wrong", async () => {
    const { store, port } = await storeOn(() => ({ status: 403, code: "AccessDenied" }));
    const err = await caught(store.put("gold", "kpis.csv", "x"));
    expect(err.kind).toBe("access_denied");
    expect(err.message).toBe(
      `access denied by 127.0.0.1:${port} (AccessDenied): these keys may not write acme-elt-gold/kpis.csv; grant them access or use buckets they may use (ELT_BUCKET_PREFIX, ELT_BUCKET_*)`,
    );
  });
});

describe.skipIf(RGW_MISSING !== undefined)("on Ceph RGW", () => {
  const uploadsIn = async (client: Client, bucket: string) =>
    (await client.listIncompleteUploadsQuery(bucket, "", "", "", "")).uploads.map((u) => u.key).sort();

  test("a run's start aborts elt's own abandoned uploads, never another program's nor a recent one", async () => {
    const rgw = await startRgw();
    try {
      const client = new Client(rgw.config);
      const store = (abandonedAfterMs?: number) => new S3Store(rgw.config, { retries: 0, abandonedAfterMs });
      await store().ensureBuckets();
      const ours = `achats/${"ab".repeat(32)}.csv`;
      for (const key of [ours, "other-tool/upload.bin"]) await client.initiateNewMultipartUpload("bronze", key, {});
      await store().ensureBuckets();
      expect(await uploadsIn(client, "bronze")).toEqual([ours, "other-tool/upload.bin"]);
      await store(0).ensureBuckets();
      expect(await uploadsIn(client, "bronze")).toEqual(["other-tool/upload.bin"]);
    } finally {
      await rgw.stop();
    }
  }, 60_000);

  test("a streamed upload whose body fails half-way is aborted, not left behind", async () => {
    const rgw = await startRgw();
    try {
      const store = new S3Store(rgw.config, { retries: 0, partSize: 5 << 20 });
      await store.ensureBuckets(["silver"]);
      async function* failing() {
        yield new Uint8Array(6 << 20);
        throw new Error("the writer was cancelled");
      }
      await expect(store.put("silver", "achats.parquet", failing())).rejects.toThrow("the writer was cancelled");
      expect(await uploadsIn(new Client(rgw.config), "silver")).toEqual([]);
      expect(await store.stat("silver", "achats.parquet")).toBeNull();
    } finally {
      await rgw.stop();
    }
  }, 60_000);

  test("keys that may not create buckets use the buckets that exist, and say so for one that does not", async () => {
    const rgw = await startRgw();
    try {
      const config = withPrefix(rgw.config, "acme-elt-");
      await new S3Store(config, { retries: 0 }).ensureBuckets(["bronze", "silver", "gold"]);
      await rgw.mayCreateBuckets(false);
      const store = new S3Store(config, { retries: 0 });
      const err = await caught(store.ensureBuckets());
      expect(err.message).toBe(
        `these keys may not create bucket acme-elt-runs on 127.0.0.1:${rgw.config.port} (AccessDenied): create it with keys that may, or set ELT_BUCKET_RUNS to a bucket that exists`,
      );
      await store.ensureBuckets(["bronze", "silver", "gold"]);
      await store.put("gold", "kpis.csv", "ca_total\n1\n");
      expect(await readText(store, "gold", "kpis.csv")).toBe("ca_total\n1\n");
    } finally {
      await rgw.stop();
    }
  }, 60_000);
});
