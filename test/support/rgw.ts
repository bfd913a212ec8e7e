import { mkdtempSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Config } from "../../src/config/environment.ts";

/**
 * Ceph's RADOS Gateway, a production S3, for the suites that want more than s3rver: one
 * single-host cluster per test process (rgw.sh), started on first use and gone when the
 * process exits. Each `startRgw` is a new S3 user in a tenant of its own, so its buckets are
 * its own: suites sharing the cluster never see each other's.
 */

const BINARIES = ["ceph-authtool", "monmaptool", "ceph-mon", "ceph-osd", "ceph", "radosgw", "radosgw-admin"];
const missing = BINARIES.filter((name) => Bun.which(name) === null);

/** Why the RGW suites cannot run on this machine; undefined when they can. */
export const RGW_MISSING: string | undefined =
  missing.length === 0
    ? undefined
    : `RGW suites skipped: ${missing.join(", ")} not found (Debian: apt-get install radosgw ceph-mon ceph-osd ceph-common)`;
// Said once per test process, however many suites skip for it.
if (RGW_MISSING) console.log(RGW_MISSING);

export interface RunningRgw {
  /** Client settings for this user. */
  config: S3Config;
  /** Lets this user create buckets or not (RGW's max-buckets -1); the buckets it has stay usable. */
  mayCreateBuckets(allowed: boolean): Promise<void>;
  /** Deletes the user and its buckets; the cluster stays for the other suites. */
  stop(): Promise<void>;
}

interface Cluster {
  conf: string;
  port: number;
}

let cluster: Promise<Cluster> | undefined;
let users = 0;

/** A new S3 user on this process's cluster, which is started on the first call. */
export async function startRgw(): Promise<RunningRgw> {
  if (RGW_MISSING) throw new Error(RGW_MISSING);
  cluster ??= startCluster();
  const { conf, port } = await cluster;
  const tenant = `elt${process.pid}n${++users}`;
  const accessKey = `${tenant}-${crypto.randomUUID()}`;
  const secretKey = crypto.randomUUID();
  const who = ["--tenant", tenant, "--uid", "elt"];
  const keys = ["--access-key", accessKey, "--secret-key", secretKey];
  await admin(conf, ["user", "create", ...who, "--display-name", tenant, ...keys]);
  let stopped = false;
  return {
    config: { endPoint: "127.0.0.1", port, useSSL: false, accessKey, secretKey },
    async mayCreateBuckets(allowed) {
      await admin(conf, ["user", "modify", ...who, "--max-buckets", allowed ? "1000" : "-1"]);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await admin(conf, ["user", "rm", ...who, "--purge-data"]);
    },
  };
}

async function startCluster(): Promise<Cluster> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), "elt-rgw-"));
  const [monPort, port] = [await freePort(), await freePort()];
  // The script watches this process and takes the cluster down when it is gone, however it
  // ends: bun test runs no exit handlers. In its own process group, so a signal sent to the
  // test run's group does not cut that cleanup short.
  const args = [dir, String(monPort), String(port), String(process.pid)];
  const script = Bun.spawn(["bash", join(import.meta.dir, "rgw.sh"), ...args], {
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  if ((await firstLine(script.stdout)) !== "ready") {
    const why = (await new Response(script.stderr).text()).trim().split("\n").slice(-3).join(" / ");
    throw new Error(`the RGW cluster did not start: ${why || `rgw.sh exited with ${await script.exited}`}`);
  }
  console.log(`RGW cluster started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { conf: join(dir, "ceph.conf"), port };
}

/** What a stream says up to its first newline: the script keeps running after it. */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes("\n")) break;
  }
  return text.split("\n")[0]!;
}

async function admin(conf: string, args: string[]): Promise<void> {
  const p = Bun.spawn(["radosgw-admin", "-c", conf, ...args], { stdout: "ignore", stderr: "pipe" });
  if ((await p.exited) !== 0) {
    throw new Error(`radosgw-admin ${args.slice(0, 2).join(" ")} failed: ${await new Response(p.stderr).text()}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
