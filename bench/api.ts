import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CLI, ROOT, childEnv, runChild } from "./child.ts";
import { load, type LoadResult } from "./load.ts";
import { percentile } from "./stats.ts";

/**
 * The API under load: requests/s and latency of a few endpoints at 1, 16 and 64 concurrent
 * clients, against `elt serve` on a lake the pipeline bench just built and against a bare
 * Bun.serve answering the same bytes (the floor). Then the refresh test's propagation delays.
 */

/** The filtered read SPEC's users make most: one country, one product, one year. */
export const FILTERED = "/fact_achats?pays=France&produit=Laptop&date_from=2025-01-01&date_to=2025-12-31";
export const ENDPOINTS = ["/kpis", "/agg_jour", "/fact_achats?limit=1000", FILTERED] as const;
/** Requests of the filtered read that no earlier answer can serve (each asks another page). */
const UNCACHED_REQUESTS = 21;
export const CONCURRENCY = [1, 16, 64] as const;

/**
 * Rounds of the API and its floor at each endpoint and concurrency, measured in turn: one
 * burst of the machine's noise (its speed moves by more than a change does) then sways one
 * round, not the figure, which is the median round's.
 */
export const ROUNDS = 3;

/** One round: the API's load and the floor's, one right after the other. */
export interface Round {
  api: LoadResult;
  floor: LoadResult;
}

export interface EndpointResult {
  path: string;
  bytes: number;
  /** At each concurrency, the round whose req/s ratio is the median (results written before rounds: the one measured). */
  api: LoadResult[];
  floor: LoadResult[];
  /** At each concurrency, every round (absent in results written before rounds). */
  rounds?: Round[][];
}

/** The filtered read answered from the store each time: one client, a different `skip` per request. */
export interface UncachedResult {
  path: string;
  requests: number;
  p50Ms: number;
  maxMs: number;
}

export interface EndpointsResult {
  endpoints: EndpointResult[];
  uncached: UncachedResult;
}

export type Measured<T> = { value: T } | { notMeasured: string };

export interface RefreshFigures {
  p50Ms: number;
  p95Ms: number;
}

/** Clients reading while `elt run export --force` rewrites every table in another process. */
export interface DuringExport {
  path: string;
  exportMs: number;
  load: LoadResult;
}

export interface ApiResult {
  /** The dataset whose lake was served. */
  size: string;
  endpoints: Measured<EndpointResult[]>;
  /** Absent in results written before it was measured. */
  uncached?: Measured<UncachedResult>;
  duringExport: Measured<DuringExport>;
  refresh: Measured<RefreshFigures>;
}

export interface ApiOptions {
  home: string;
  size: string;
  workDir: string;
  durationMs: number;
  warmupMs: number;
  /** The CLI whose `serve` is measured (default: this tree's). */
  cli?: string;
}

function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

/** A long-running child (a server), stopped by its own handle, never by name. */
class Server {
  private readonly child: Bun.Subprocess<"ignore", "ignore", "pipe">;
  private readonly stderr: Promise<string>;

  constructor(args: string[], env: Record<string, string>, cwd: string) {
    this.child = Bun.spawn([process.execPath, ...args], { env, cwd, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    this.stderr = new Response(this.child.stderr).text();
  }

  /** Polls `url` until it answers 200; a server that exits first is an error with its stderr. */
  async ready(url: string, timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`server exited with ${this.child.exitCode}: ${(await this.stderr).trim()}`);
      const ok = await fetch(url).then(
        async (res) => (await res.arrayBuffer(), res.status === 200),
        () => false,
      );
      if (ok) return;
      await Bun.sleep(100);
    }
    throw new Error(`${url} did not answer within ${timeoutMs} ms`);
  }

  /**
   * CPU time the server has used so far, in ns (Linux's /proc/PID/schedstat), or undefined
   * where that is not readable.
   */
  cpuNs(): number | undefined {
    try {
      return Number(readFileSync(`/proc/${this.child.pid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<void> {
    this.child.kill("SIGTERM");
    await this.child.exited;
  }
}

/** One client, one request at a time, each for a page no earlier request asked. */
async function uncached(base: string): Promise<UncachedResult> {
  const latencies: number[] = [];
  for (let i = 1; i <= UNCACHED_REQUESTS; i++) {
    const started = performance.now();
    const res = await fetch(`${base}${FILTERED}&skip=${i}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${FILTERED}&skip=${i} answered ${res.status}`);
    latencies.push(performance.now() - started);
  }
  const sorted = Float64Array.from(latencies).sort();
  return { path: FILTERED, requests: latencies.length, p50Ms: percentile(sorted, 0.5), maxMs: sorted[sorted.length - 1]! };
}

/** The round whose `key` is the median of the rounds' (the lower middle for an even count). */
export function medianRound(rounds: readonly Round[], key: (round: Round) => number): Round {
  return [...rounds].sort((a, b) => key(a) - key(b))[(rounds.length - 1) >> 1]!;
}

/** The endpoints under load, the API and its floor in ROUNDS rounds; `durationMs` and `warmupMs` per load. */
export async function benchEndpoints(options: ApiOptions): Promise<EndpointsResult> {
  const env = childEnv({ ELT_HOME: options.home });
  const apiPort = freePort();
  const api = new Server([options.cli ?? CLI, "serve", "--port", String(apiPort)], env, options.home);
  const apiBase = `http://127.0.0.1:${apiPort}`;
  const dir = await mkdtemp(join(options.workDir, "payloads-"));
  let floor: Server | undefined;
  try {
    await api.ready(`${apiBase}/health`);
    const manifest: Record<string, { file: string; type: string }> = {};
    for (const [i, path] of ENDPOINTS.entries()) {
      const res = await fetch(apiBase + path);
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
      const file = join(dir, `payload-${i}`);
      await writeFile(file, new Uint8Array(await res.arrayBuffer()));
      manifest[path] = { file, type: res.headers.get("content-type") ?? "application/json" };
    }
    const manifestFile = join(dir, "manifest.json");
    await writeFile(manifestFile, JSON.stringify(manifest));
    const floorPort = freePort();
    const floorServer = new Server([join(import.meta.dir, "floor-server.ts"), String(floorPort), manifestFile], childEnv({}), options.workDir);
    floor = floorServer;
    const floorBase = `http://127.0.0.1:${floorPort}`;
    await floorServer.ready(`${floorBase}${ENDPOINTS[0]}`);

    const results: EndpointResult[] = [];
    const loadOf = (server: Server, url: string, concurrency: number) =>
      load(url, {
        concurrency,
        durationMs: options.durationMs,
        warmupMs: options.warmupMs,
        serverCpuNs: server.cpuNs() === undefined ? undefined : () => server.cpuNs()!,
      });
    for (const path of ENDPOINTS) {
      process.stderr.write(`api: ${path}\n`);
      const result: EndpointResult = { path, bytes: Bun.file(manifest[path]!.file).size, api: [], floor: [], rounds: [] };
      // The API and its floor one after the other, so a change in the machine's load sways both
      // sides of a ratio alike; which goes first alternates from round to round.
      for (const concurrency of CONCURRENCY) {
        const onApi = () => loadOf(api, apiBase + path, concurrency);
        const onFloor = () => loadOf(floorServer, floorBase + path, concurrency);
        const rounds: Round[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          if (r % 2 === 0) {
            const measured = await onApi();
            rounds.push({ api: measured, floor: await onFloor() });
          } else {
            const measured = await onFloor();
            rounds.push({ api: await onApi(), floor: measured });
          }
        }
        const middle = medianRound(rounds, (round) => round.api.rps / round.floor.rps);
        result.api.push(middle.api);
        result.floor.push(middle.floor);
        result.rounds!.push(rounds);
      }
      results.push(result);
    }
    process.stderr.write(`api: ${FILTERED}, uncached\n`);
    return { endpoints: results, uncached: await uncached(apiBase) };
  } finally {
    await api.stop();
    await floor?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const EXPORT_CLIENTS = 16;
const EXPORT_PATH = "/fact_achats?limit=1000";

/**
 * The API while an export runs: 16 clients read fact_achats for as long as a forced export
 * (another process) rewrites every table. An answer that is not a 200 with rows counts as an
 * error: a reader must never see an empty or partial table.
 */
async function duringExport(options: ApiOptions): Promise<DuringExport> {
  const env = childEnv({ ELT_HOME: options.home });
  const port = freePort();
  const api = new Server([CLI, "serve", "--port", String(port)], env, options.home);
  const base = `http://127.0.0.1:${port}`;
  try {
    await api.ready(`${base}/health`);
    process.stderr.write(`api: ${EXPORT_CLIENTS} clients during an export\n`);
    const started = performance.now();
    const exported = runChild([CLI, "run", "export", "--force", "--json"], { env, cwd: options.home });
    const result = await load(base + EXPORT_PATH, {
      concurrency: EXPORT_CLIENTS,
      durationMs: 600_000,
      warmupMs: 0,
      whole: (body) => body.includes('"data":[{') && !body.includes('"count":0'),
      until: exported,
    });
    await exported;
    return { path: EXPORT_PATH, exportMs: performance.now() - started, load: result };
  } finally {
    await api.stop();
  }
}

/** The refresh test's overall propagation delay (write to visible through the API), from its JSON. */
async function refresh(options: ApiOptions): Promise<RefreshFigures> {
  const run = await runChild([CLI, "refresh-test", "--spawn", "--json"], {
    env: childEnv({ ELT_HOME: options.home }),
    cwd: options.home,
  });
  const report = JSON.parse(run.stdout) as { overall?: { propagation_ms?: { median?: unknown; p95?: unknown } } };
  const { median, p95 } = report.overall?.propagation_ms ?? {};
  if (typeof median !== "number" || typeof p95 !== "number") {
    throw new Error("refresh-test --json printed no overall.propagation_ms median and p95");
  }
  return { p50Ms: median, p95Ms: p95 };
}

const failure = (err: unknown) => (err instanceof Error ? err.message.split("\n")[0]! : String(err));

export async function benchApi(options: ApiOptions): Promise<ApiResult> {
  const result: ApiResult = {
    size: options.size,
    endpoints: { notMeasured: "src/commands/serve.ts is not in the tree yet" },
    duringExport: { notMeasured: "src/commands/serve.ts is not in the tree yet" },
    refresh: { notMeasured: "src/commands/refresh-test.ts is not in the tree yet" },
  };
  if (existsSync(join(ROOT, "src/commands/serve.ts"))) {
    const measured = await benchEndpoints(options).then(
      (value) => ({ value }),
      (err) => ({ notMeasured: `the API bench failed: ${failure(err)}` }),
    );
    result.endpoints = "value" in measured ? { value: measured.value.endpoints } : measured;
    result.uncached = "value" in measured ? { value: measured.value.uncached } : measured;
  }
  if (existsSync(join(ROOT, "src/commands/serve.ts"))) {
    result.duringExport = await duringExport(options).then(
      (value) => ({ value }),
      (err) => ({ notMeasured: `the load during an export failed: ${failure(err)}` }),
    );
  }
  if (existsSync(join(ROOT, "src/commands/refresh-test.ts"))) {
    result.refresh = await refresh(options).then(
      (value) => ({ value }),
      (err) => ({ notMeasured: `refresh-test failed: ${failure(err)}` }),
    );
  }
  return result;
}
