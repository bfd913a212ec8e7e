import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { Client } from "minio";
import { goldKeys } from "../../src/contract/lake.ts";
import { GOLD_TABLE_NAMES } from "../../src/contract/gold-tables.ts";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import type { LayerState } from "../../src/pipeline/layer-state.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { latestNotFrom } from "../../src/pipeline/gold/versions.ts";
import { BUCKETS, readBytes, readJson, readJsonOrNull, type ObjectStore } from "../../src/storage/object-store.ts";
import { S3Store } from "../../src/storage/s3.ts";
import { compiledElt } from "../support/compiled.ts";
import { RGW_MISSING, startRgw, type RunningRgw } from "../support/rgw.ts";
import { buildingVersions } from "../support/serving-versions.ts";

/**
 * The executable is SIGKILLed while gold copies its version over the latest keys (slowed by
 * the ELT_TEST_PUBLISH_PAUSE_MS test hook, so the kill lands with some tables copied and the
 * rest not): `elt doctor`, the next `elt run --all` and `elt serve` each find the unfinished
 * publish and finish it, after which every latest table is the killed run's version, byte for
 * byte, and the API's tables all name one run. On the folder store, and on Ceph RGW when it
 * is installed, where the gateway is also cut off while silver runs. Killed the same way while
 * the export loads the serving store (ELT_TEST_EXPORT_PAUSE_MS), the store keeps serving the
 * last export's tables, all of them, until the next run swaps in its own.
 */

const AS_OF = "2026-06-30";
const GOLD_KEYS = GOLD_TABLE_NAMES.flatMap(goldKeys.table);
const MARKER = goldKeys.publishing;
const PAUSE_MS = 250;
/** Generation, several runs and a server each: seconds here, far more on a busy machine. */
const TIMEOUT_MS = 240_000;

interface Lake {
  store: ObjectStore;
  /** What the executable needs to reach the same lake. */
  env: Record<string, string>;
  /** Keys of the multipart uploads begun and never completed nor aborted, in every bucket of elt's. */
  incompleteUploads(): Promise<string[]>;
}

interface Backend {
  name: string;
  missing?: string;
  open(home: string): Promise<Lake & { close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "folder store",
    open: async (home) => ({ store: new FolderStore(join(home, "lake")), env: {}, incompleteUploads: async () => [], close: async () => {} }),
  },
  {
    name: "Ceph RGW",
    missing: RGW_MISSING,
    async open() {
      const rgw = await startRgw();
      const client = new Client(rgw.config);
      return {
        store: new S3Store(rgw.config),
        env: s3Env(rgw, rgw.config.port!),
        async incompleteUploads() {
          const keys: string[] = [];
          for (const bucket of BUCKETS) keys.push(...(await client.listIncompleteUploadsQuery(bucket, "", "", "", "")).uploads.map((u) => `${bucket}/${u.key}`));
          return keys;
        },
        close: () => rgw.stop(),
      };
    },
  },
];

function s3Env(rgw: RunningRgw, port: number): Record<string, string> {
  return { MINIO_ENDPOINT: `127.0.0.1:${port}`, MINIO_ACCESS_KEY: rgw.config.accessKey, MINIO_SECRET_KEY: rgw.config.secretKey };
}

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
const digest = async (store: ObjectStore, key: string) => sha256(await readBytes(store, "gold", key));

interface Elt {
  bin: string;
  dir: string;
  env: Record<string, string>;
}

function spawn(elt: Elt, args: string[], extra: Record<string, string> = {}) {
  return Bun.spawn([elt.bin, ...args], {
    cwd: elt.dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: elt.dir, NO_COLOR: "1", ...elt.env, ...extra },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
}

async function run(elt: Elt, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = spawn(elt, args);
  const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code, out, err };
}

const runAll = (elt: Elt, sources: string) => run(elt, ["run", "--all", "--sources", sources, "--as-of", AS_OF, "--json"]);

/**
 * `elt run --all --force` with copies slowed down, killed once the marker is there and a few
 * tables are copied. The run id of the publish it left unfinished.
 */
async function killMidPublish(elt: Elt, store: ObjectStore, sources: string): Promise<string> {
  const child = spawn(elt, ["run", "--all", "--force", "--sources", sources, "--as-of", AS_OF], { ELT_TEST_PUBLISH_PAUSE_MS: String(PAUSE_MS) });
  const deadline = Date.now() + TIMEOUT_MS / 2;
  let marker: { run_id: string } | null = null;
  try {
    while (!(marker = await readJsonOrNull<{ run_id: string }>(store, "gold", MARKER))) {
      if (child.exitCode !== null) throw new Error(`the run ended (code ${child.exitCode}) before publishing: ${await new Response(child.stderr).text()}`);
      if (Date.now() > deadline) throw new Error("timed out waiting for the publish marker");
      await Bun.sleep(10);
    }
    // The first copy follows the marker at once, then one every PAUSE_MS: about four are done.
    await Bun.sleep(PAUSE_MS * 3.5);
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
  return marker.run_id;
}

/**
 * `elt run --all --force` with each table's load into the serving store followed by a pause,
 * killed once it has begun writing the serving store's next file (then paused after its first
 * table): its gold is published, its export half-done. Its run id.
 */
async function killMidExport(elt: Elt, sources: string): Promise<string> {
  const child = spawn(elt, ["run", "--all", "--force", "--sources", sources, "--as-of", AS_OF], { ELT_TEST_EXPORT_PAUSE_MS: String(PAUSE_MS) });
  const deadline = Date.now() + TIMEOUT_MS / 2;
  try {
    while (buildingVersions(elt.env.ELT_HOME!).length === 0) {
      if (child.exitCode !== null) throw new Error(`the run ended (code ${child.exitCode}) before exporting: ${await new Response(child.stderr).text()}`);
      if (Date.now() > deadline) throw new Error("timed out waiting for the export's new file");
      await Bun.sleep(10);
    }
    // Inside the pause after the first table's load.
    await Bun.sleep(PAUSE_MS / 2);
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
  return (await runsOf(elt))[0]!;
}

/** The serving store's own file, as the executable writes it, read aside. */
function servingDb<T>(elt: Elt, read: (db: Database) => T): T {
  const db = new Database(join(elt.env.ELT_HOME!, "serving.sqlite"), { readwrite: true, create: false });
  try {
    db.run("PRAGMA busy_timeout = 2000");
    return read(db);
  } finally {
    db.close();
  }
}


/** Every run `_refresh_metadata` names, in the file itself: a killed export must have written none. */
const metadataRuns = (elt: Elt) =>
  servingDb(elt, (db) => db.query<{ run_id: string }, []>("SELECT DISTINCT run_id FROM _refresh_metadata").all().map((r) => r.run_id));

/** Which of `runs` each latest object is, byte for byte (none: from no run at all). */
async function origins(store: ObjectStore, runs: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const key of GOLD_KEYS) {
    const latest = await digest(store, key);
    out[key] = [];
    for (const runId of runs) if ((await digest(store, goldKeys.version(runId, key))) === latest) out[key]!.push(runId);
  }
  return out;
}

/** The latest set is some of `killed`'s tables and some of `before`'s: what the kill left. */
async function expectMixed(store: ObjectStore, before: string, killed: string): Promise<void> {
  expect(await store.stat("gold", MARKER)).not.toBeNull();
  const from = Object.values(await origins(store, [before, killed])).map((runs) => runs.join(","));
  expect(from).toContain(killed);
  expect(from).toContain(before);
  expect(from.every((runs) => runs !== "")).toBe(true);
}

/** Every latest table is `runId`'s version, byte for byte, and gold's state says so. */
async function expectOneRun(store: ObjectStore, runId: string): Promise<void> {
  expect(await store.stat("gold", MARKER)).toBeNull();
  const from = await origins(store, [runId]);
  expect(Object.entries(from).filter(([, runs]) => runs.length === 0)).toEqual([]);
  expect((await readJson<LayerState>(store, "gold", "_state.json")).run_id).toBe(runId);
}

const goldCheck = (doctorJson: string) =>
  (JSON.parse(doctorJson) as { checks: { name: string; location: string; verdict: string; detail: string }[] }).checks.find((c) => c.name === "gold tables");

/** `elt serve --port 0` from the executable, once it says where it listens. */
async function serve(elt: Elt): Promise<{ base: string; banner: string; stop(): Promise<void> }> {
  const proc = spawn(elt, ["serve", "--port", "0"]);
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let banner = "";
  while (!/http:\/\/[\d.]+:\d+/.test(banner)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`elt serve did not start: ${banner}${await new Response(proc.stderr).text()}`);
    banner += decoder.decode(value, { stream: true });
  }
  const drained = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read());
  })();
  return {
    base: /http:\/\/[\d.]+:\d+/.exec(banner)![0],
    banner,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      await drained;
    },
  };
}

/** X-Elt-Run of every table endpoint. */
async function servedRuns(base: string): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const table of GOLD_TABLE_NAMES) {
    const response = await fetch(`${base}/${table}?limit=1`);
    expect(response.status).toBe(200);
    out[table] = response.headers.get("x-elt-run");
  }
  return out;
}

/** The run id of every table's last write, as `_refresh_metadata` says through `/refresh_time`. */
async function refreshedRuns(base: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of GOLD_TABLE_NAMES) {
    const response = await fetch(`${base}/refresh_time/gold_${table}`);
    expect(response.status).toBe(200);
    out[table] = ((await response.json()) as { run_id: string }).run_id;
  }
  return out;
}

const everyTable = (runId: string) => Object.fromEntries(GOLD_TABLE_NAMES.map((t) => [t, runId]));

for (const backend of backends) {
  describe.skipIf(backend.missing !== undefined)(`an interrupted gold publish on the ${backend.name}`, () => {
    let elt: Elt;
    let lake: Lake & { close(): Promise<void> };
    let store: ObjectStore;
    let published: string;
    const sources = (name: string) => join(elt.dir, name);

    beforeAll(async () => {
      const dir = await mkdtemp(join(tmpdir(), "elt-publish-"));
      lake = await backend.open(join(dir, "home"));
      store = lake.store;
      elt = { bin: await compiledElt(), dir, env: { ELT_HOME: join(dir, "home"), ...lake.env } };
      const base = { clients: 2_000, avgPurchases: 5, asOf: AS_OF, dirtyRate: 0.02 };
      await generateFiles({ ...base, seed: 1 }, sources("old"));
      await generateFiles({ ...base, seed: 2 }, sources("new"));
      const first = await runAll(elt, sources("old"));
      expect(first.code).toBe(0);
      published = (JSON.parse(first.out) as RunRecord).id;
    }, TIMEOUT_MS);

    // None of these kills lands in an upload: the publish's copies are made by the server, and an
    // export only reads the lake. What is checked is that no run, killed or not, leaves one: the
    // 2,000-client lake's objects are all smaller than a 16 MiB part, so none is multipart here,
    // and a lake big enough for that would cost far more than this suite's time. A killed upload
    // is kept for an hour (it might be a live run's) and then aborted by the next run:
    // test/storage/buckets.test.ts ages one with S3Store's abandonedAfterMs, which the
    // executable does not expose.
    afterEach(async () => {
      expect(await lake.incompleteUploads()).toEqual([]);
    });

    afterAll(async () => {
      await lake?.close();
      if (elt) await rm(elt.dir, { recursive: true, force: true });
    });

    test(
      "elt doctor reports the unfinished publish and finishes it",
      async () => {
        const killed = await killMidPublish(elt, store, sources("new"));
        await expectMixed(store, published, killed);

        const { code, out } = await run(elt, ["doctor", "--json"]);
        expect(code).toBe(0);
        expect(goldCheck(out)).toEqual({
          name: "gold tables",
          location: `${store.location} gold`,
          verdict: "warn",
          detail: `the publish of run ${killed} was left unfinished by a killed process: finished it; all 20 latest files are run ${killed}'s`,
        });
        await expectOneRun(store, killed);
        // Nothing left to finish: the next doctor says the set is whole.
        expect(goldCheck((await run(elt, ["doctor", "--json"])).out)?.verdict).toBe("ok");
        published = killed;
      },
      TIMEOUT_MS,
    );

    test(
      "the next run --all finishes it before anything else, then serves one run's tables",
      async () => {
        const killed = await killMidPublish(elt, store, sources("old"));
        await expectMixed(store, published, killed);

        const next = await runAll(elt, sources("old"));
        expect(next.code).toBe(0);
        const record = JSON.parse(next.out) as RunRecord;
        // The finished publish recorded gold's state: the same silver needs no new gold.
        expect(record.tasks.find((t) => t.name === "gold")?.state).toBe("skipped");
        await expectOneRun(store, killed);
        published = killed;

        const api = await serve(elt);
        try {
          expect(await servedRuns(api.base)).toEqual(everyTable(record.id));
        } finally {
          await api.stop();
        }
      },
      TIMEOUT_MS,
    );

    test(
      "elt serve finishes it at start; the API still serves the last export, one run's",
      async () => {
        const served = await servedRunOfLastExport();
        const killed = await killMidPublish(elt, store, sources("new"));
        await expectMixed(store, published, killed);

        const api = await serve(elt);
        try {
          expect(api.banner).toContain(`finished the publish of gold run ${killed} that a killed process left half-done\n`);
          await expectOneRun(store, killed);
          expect(await servedRuns(api.base)).toEqual(everyTable(served));
        } finally {
          await api.stop();
        }
        published = killed;
      },
      TIMEOUT_MS,
    );

    test(
      "killed while the export loads the serving store: every table stays the last export's; the next run swaps in all of its own",
      async () => {
        const served = await servedRunOfLastExport();
        const killed = await killMidExport(elt, sources("old"));
        await expectOneRun(store, killed);
        expect(buildingVersions(elt.env.ELT_HOME!)).toHaveLength(1);
        expect(metadataRuns(elt)).not.toContain(killed);
        let api = await serve(elt);
        try {
          expect(await servedRuns(api.base)).toEqual(everyTable(served));
          expect(await refreshedRuns(api.base)).toEqual(everyTable(served));
        } finally {
          await api.stop();
        }
        published = killed;

        const next = await runAll(elt, sources("old"));
        expect(next.code).toBe(0);
        const record = JSON.parse(next.out) as RunRecord;
        expect(record.tasks.map((t) => [t.name, t.state]).filter(([name]) => name !== "bronze.clients" && name !== "bronze.achats")).toEqual([
          ["silver", "skipped"],
          ["gold", "skipped"],
          ["export", "succeeded"],
        ]);
        // The killed process's file went with the next export: its process is gone.
        expect(buildingVersions(elt.env.ELT_HOME!)).toEqual([]);
        api = await serve(elt);
        try {
          expect(await servedRuns(api.base)).toEqual(everyTable(record.id));
          expect(await refreshedRuns(api.base)).toEqual(everyTable(record.id));
        } finally {
          await api.stop();
        }
      },
      TIMEOUT_MS,
    );

    test(
      "elt doctor fails on a latest set that is not one run's, naming the files",
      async () => {
        // What a publish without a marker (an elt before this one) left when killed: one table
        // of another run among the latest.
        const latest = await digest(store, "kpis.csv");
        const versions = new Set((await store.listPage("gold", goldKeys.versionsPrefix)).items.map((i) => i.key.split("/")[1]!));
        let other: string | undefined;
        for (const v of versions) if ((await digest(store, goldKeys.version(v, "kpis.csv"))) !== latest) other ??= v;
        await store.copy("gold", goldKeys.version(other!, "kpis.csv"), "gold", "kpis.csv");
        const { code, out } = await run(elt, ["doctor", "--json"]);
        expect(code).toBe(1);
        expect(goldCheck(out)).toMatchObject({
          verdict: "fail",
          detail: `the latest tables are not all from run ${published}: 1 of 20 files differ from its version (kpis.csv); \`elt run gold --force\` or \`elt rollback\` publishes one whole run`,
        });
      },
      TIMEOUT_MS,
    );

    /** The run id the serving store's tables were last exported by, as `_refresh_metadata` of kpis says through the API. */
    async function servedRunOfLastExport(): Promise<string> {
      const api = await serve(elt);
      try {
        const runs = new Set(Object.values(await servedRuns(api.base)));
        expect(runs.size).toBe(1);
        return [...runs][0]!;
      } finally {
        await api.stop();
      }
    }
  });
}

/**
 * The gateway as the executable sees it: a TCP relay that can be cut (every connection
 * dropped, new ones refused) and opened again on the same port, while the cluster behind it,
 * shared with other suites, keeps running.
 */
class Relay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly upstream: number) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const gateway = connect(this.upstream, "127.0.0.1");
      for (const socket of [client, gateway]) {
        this.sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => {
          this.sockets.delete(socket);
          client.destroy();
          gateway.destroy();
        });
      }
      client.pipe(gateway).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

describe.skipIf(RGW_MISSING !== undefined)("the gateway cut off while silver runs (Ceph RGW)", () => {
  let rgw: RunningRgw | undefined;
  let relay: Relay | undefined;
  let dir: string | undefined;

  afterAll(async () => {
    await relay?.cut();
    await rgw?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test(
    "the run fails or retries; afterwards the latest gold and the served tables are each one run's",
    async () => {
      rgw = await startRgw();
      relay = new Relay(rgw.config.port!);
      await relay.open();
      dir = await mkdtemp(join(tmpdir(), "elt-publish-gateway-"));
      const elt: Elt = { bin: await compiledElt(), dir, env: { ELT_HOME: join(dir, "home"), ...s3Env(rgw, relay.port) } };
      const store = new S3Store(rgw.config);
      // Big enough for silver to last while the gateway is cut.
      const base = { clients: 30_000, avgPurchases: 5, asOf: AS_OF, dirtyRate: 0.02 };
      await generateFiles({ ...base, seed: 1 }, join(dir, "old"));
      await generateFiles({ ...base, seed: 2 }, join(dir, "new"));
      const first = await runAll(elt, join(dir, "old"));
      expect(first.code).toBe(0);
      let exported = (JSON.parse(first.out) as RunRecord).id;

      const child = spawn(elt, ["run", "--all", "--sources", join(dir, "new"), "--as-of", AS_OF]);
      const out = new Response(child.stdout).text();
      let err = "";
      const decoder = new TextDecoder();
      const reader = child.stderr.getReader();
      // Bronze's last task is done: silver runs next.
      while (!err.includes("bronze.achats")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the run ended before silver: ${err}`);
        err += decoder.decode(value, { stream: true });
      }
      await relay.cut();
      await Bun.sleep(8_000);
      await relay.open();
      for (let r = await reader.read(); !r.done; r = await reader.read()) err += decoder.decode(r.value, { stream: true });
      const code = await child.exited;
      await out;
      expect([0, 1]).toContain(code);
      if (code === 1) expect(err).toMatch(/✖ silver .*cannot reach S3 endpoint 127\.0\.0\.1:\d+/);

      const check = async (servedBy: string) => {
        expect(await store.stat("gold", MARKER)).toBeNull();
        const state = await readJson<LayerState>(store, "gold", "_state.json");
        expect(await latestNotFrom(store, state.run_id)).toEqual([]);
        const api = await serve(elt);
        try {
          expect(await servedRuns(api.base)).toEqual(everyTable(servedBy));
        } finally {
          await api.stop();
        }
      };
      if (code === 0) exported = (await runsOf(elt))[0]!;
      await check(exported);

      const next = await runAll(elt, join(dir, "new"));
      expect(next.code).toBe(0);
      // When the cut was waited out (the retry budget spans it), the next run finds nothing new to export.
      const nextRecord = JSON.parse(next.out) as RunRecord;
      const exportedNow = nextRecord.tasks.find((t) => t.name === "export")?.state === "succeeded";
      await check(exportedNow ? nextRecord.id : exported);
    },
    TIMEOUT_MS,
  );
});

/** Run ids, newest first. */
async function runsOf(elt: Elt): Promise<string[]> {
  const { code, out } = await run(elt, ["runs", "--json"]);
  expect(code).toBe(0);
  return (JSON.parse(out) as RunRecord[]).map((r) => r.id);
}
