import { afterEach, expect, test } from "bun:test";
import * as http from "node:http";
import * as net from "node:net";
import type { S3Config } from "../../src/config/environment.ts";
import { S3Store } from "../../src/storage/s3.ts";
import { startS3rver } from "../support/s3rver.ts";
import { caughtStoreError as caught } from "../support/caught.ts";

/** What the S3 store does when the endpoint misbehaves: typed errors, bounded retries, no hang. */

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const configAt = (port: number): S3Config => ({
  endPoint: "127.0.0.1",
  port,
  useSSL: false,
  accessKey: "elt-test",
  secretKey: "elt-test-secret",
});

async function listen(server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket) => sockets.add(socket.on("close", () => sockets.delete(socket))));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

test("a server that stops is unreachable, and the store says so instead of hanging", async () => {
  const s3 = await startS3rver();
  closers.push(() => s3.stop());
  const store = new S3Store(s3.config, { retries: 1, retryBaseMs: 10 });
  await store.ensureBuckets(["gold"]);
  await store.put("gold", "kpis.csv", "ca_total\n1\n");
  await s3.stop();

  const started = Date.now();
  const err = await caught(store.stat("gold", "kpis.csv"));
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(err.kind).toBe("unreachable");
  expect(err.transient).toBe(true);
  expect(err.message).toStartWith(`cannot reach S3 endpoint 127.0.0.1:${s3.config.port}: E`);
});

test("a port nobody listens on is unreachable", async () => {
  const probe = net.createServer();
  const port = await listen(probe);
  await closers.pop()!();
  const err = await caught(new S3Store(configAt(port), { retries: 0 }).missingBuckets());
  expect(err.kind).toBe("unreachable");
  expect(err.message).toBe(`cannot reach S3 endpoint 127.0.0.1:${port}: ECONNREFUSED`);
});

test("a server that accepts but never answers times out as unreachable", async () => {
  const silent = net.createServer(() => {});
  const port = await listen(silent);
  const store = new S3Store(configAt(port), { retries: 0, responseTimeoutMs: 300 });
  const err = await caught(store.get("gold", "kpis.csv"));
  expect(err.kind).toBe("unreachable");
  expect(err.message).toBe(`cannot reach S3 endpoint 127.0.0.1:${port}: ETIMEDOUT`);
});

test("transient failures are retried a bounded number of times", async () => {
  // Every connection is cut at once: each attempt costs exactly one connection.
  let connections = 0;
  const cutter = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  const port = await listen(cutter);
  const err = await caught(new S3Store(configAt(port), { retries: 2, retryBaseMs: 5 }).stat("gold", "x.csv"));
  expect(err.kind).toBe("unreachable");
  expect(connections).toBe(3);
});

test("server errors are 'failed', retried, and never show the secret", async () => {
  let requests = 0;
  const broken = http.createServer((req, res) => {
    requests++;
    res.writeHead(500, { "content-type": "application/xml" }).end();
  });
  const port = await listen(broken);
  const err = await caught(new S3Store(configAt(port), { retries: 1, retryBaseMs: 5 }).put("gold", "x.csv", "x"));
  expect(err.kind).toBe("failed");
  expect(err.message).toBe(`cannot write gold/x.csv in s3 http://127.0.0.1:${port}: HTTP 500`);
  expect(requests).toBe(2);
});

test("an S3 error answer keeps its code and message, minus the secret", async () => {
  const server = http.createServer((req, res) => {
    res.writeHead(400, { "content-type": "application/xml" }).end(
      `<?xml version="1.0"?><Error><Code>InvalidArgument</Code><Message>bad value elt-test-secret</Message></Error>`,
    );
  });
  const port = await listen(server);
  const err = await caught(new S3Store(configAt(port), { retries: 0 }).listPage("gold", "x/"));
  expect(err.kind).toBe("failed");
  expect(err.message).toBe(`cannot list gold/x/ in s3 http://127.0.0.1:${port}: InvalidArgument: bad value ****`);
});

test("an endpoint that is no S3 server (a web server's 404 page) is named as such, not an empty error", async () => {
  const web = http.createServer((req, res) => {
    res.writeHead(404, { "content-type": "text/html" }).end("<html><body>Not Found</body></html>");
  });
  const port = await listen(web);
  const err = await caught(new S3Store(configAt(port), { retries: 0 }).listPage("runs", ""));
  expect(err.kind).toBe("failed");
  expect(err.message).toBe(`127.0.0.1:${port} did not answer as S3 does (to list runs/): is MINIO_ENDPOINT an S3 endpoint?`);
});

test("the location names the endpoint, with the default port when none is given", () => {
  expect(new S3Store(configAt(9000)).location).toBe("s3 http://127.0.0.1:9000");
  expect(new S3Store({ ...configAt(1), port: undefined, useSSL: true }).location).toBe("s3 https://127.0.0.1:443");
});
