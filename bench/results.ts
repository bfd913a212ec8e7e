import type { ApiResult } from "./api.ts";
import type { Dataset, SizeName } from "./datasets.ts";
import type { Machine } from "./machine.ts";
import type { Sample, Stage } from "./pipeline.ts";
import type { StartupResult } from "./startup.ts";
import { MiB, median } from "./stats.ts";

/** The shape of `bench/results/<date>-<host>.json`, and the figures derived from the samples. */

export interface StageSummary {
  /** Medians over the repeats. */
  wallMs: number;
  cpuMs: number;
  workMs: number;
  /** The highest peak over the repeats. */
  maxRssBytes: number;
  rowsPerSec: number;
  mibPerSec: number;
  /** workMs over the floor's workMs. */
  floorRatio: number;
  throughGoldMs?: number;
  exportMs?: number;
  /** run --all: the quality checks' own time in the run. */
  auditMs?: number;
  /** run --all: CPU of JavaScriptCore's compiler threads, where /proc could be read. */
  jitCpuMs?: number;
  parseCsvMs?: number;
}

export interface SizeResult {
  size: SizeName;
  dataset: Pick<Dataset, "rows" | "bytes" | "generatedMs">;
  samples: Record<Stage, Sample[]>;
  summary: Record<Stage, StageSummary>;
  /** The sqlite3 shell's `.import` of the fact_achats and dim_clients CSVs into a fresh file (median ms). */
  exportFloor: { ms: number } | { notMeasured: string };
  mongoExport: { samples: Sample[]; summary: StageSummary } | { notMeasured: string };
}

export interface Target {
  what: string;
  goal: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

export interface BenchResult {
  date: string;
  machine: Machine;
  options: { sizes: SizeName[]; repeat: number; asOf: string };
  sizes: SizeResult[];
  api: ApiResult | { notMeasured: string };
  startup: StartupResult;
  memory: MemoryRow[];
  targets: Target[];
}

const medianOf = (samples: Sample[], pick: (s: Sample) => number | undefined) => {
  const values = samples.map(pick).filter((v): v is number => v !== undefined);
  return values.length ? median(values) : undefined;
};

export function summarize(samples: Sample[], floorMs: number): StageSummary {
  const workMs = medianOf(samples, (s) => s.workMs)!;
  const first = samples[0]!;
  return {
    wallMs: medianOf(samples, (s) => s.wallMs)!,
    cpuMs: medianOf(samples, (s) => s.cpuMs)!,
    workMs,
    maxRssBytes: Math.max(...samples.map((s) => s.maxRssBytes)),
    rowsPerSec: first.rowsIn / (workMs / 1000),
    mibPerSec: first.inputBytes / MiB / (workMs / 1000),
    floorRatio: workMs / floorMs,
    throughGoldMs: medianOf(samples, (s) => s.throughGoldMs),
    exportMs: medianOf(samples, (s) => s.exportMs),
    auditMs: medianOf(samples, (s) => s.auditMs),
    jitCpuMs: medianOf(samples, (s) => s.jitCpuMs),
    parseCsvMs: medianOf(samples, (s) => s.parseCsvMs),
  };
}

// ---------------------------------------------------------------------------------------------
// Memory: is the peak flat in the input size?

export interface MemoryRow {
  stage: Stage;
  smallBytes: number;
  largeBytes: number;
  ratio: number;
  /** The ratio once the per-row structures SPEC makes unavoidable in silver are taken out (see below); the raw ratio for stages that do not run silver. */
  adjustedRatio: number;
}

/**
 * Memory silver needs per purchase by design: the q99 amounts (a Float64Array sized from
 * bronze's record count, at least 64 Ki values) and the id sets of purchases and clients
 * (bitsets that double from 8 KiB up to the largest id, which the generator numbers from 1).
 * An estimate from the row counts.
 */
export function perRowBytes(data: Pick<Dataset, "rows">): number {
  const doubling = (start: number, need: number) => {
    let n = start;
    while (n < need) n *= 2;
    return n;
  };
  const amounts = 8 * Math.max(1 << 16, data.rows.achats);
  const ids = doubling(1 << 13, data.rows.achats / 8 + 1) + doubling(1 << 13, data.rows.clients / 8 + 1);
  return amounts + ids;
}

/** The stages whose process runs silver, and so holds the amounts and id sets. */
const HOLDS_SILVER_MEMORY: ReadonlySet<Stage> = new Set(["silver", "all"]);

export function memoryRows(small: SizeResult, large: SizeResult): MemoryRow[] {
  return (["bronze", "silver", "gold", "export", "all"] as const).map((stage) => {
    const smallBytes = small.summary[stage].maxRssBytes;
    const largeBytes = large.summary[stage].maxRssBytes;
    const held = HOLDS_SILVER_MEMORY.has(stage);
    const smallAllowance = held ? perRowBytes(small.dataset) : 0;
    const largeAllowance = held ? perRowBytes(large.dataset) : 0;
    return {
      stage,
      smallBytes,
      largeBytes,
      ratio: largeBytes / smallBytes,
      adjustedRatio: (largeBytes - largeAllowance) / Math.max(1, smallBytes - smallAllowance),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Targets

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/**
 * `run --all` (bronze to the SQLite export) over DuckDB's silver+gold, both as process wall
 * time, spawn to exit: each side's start-up is part of what a user waits for.
 */
export function duckdbRatio(r: SizeResult): number {
  return r.summary.all.wallMs / r.summary.duckdb.wallMs;
}

function versusDuckdb(what: string, r: SizeResult): Target {
  const ratio = duckdbRatio(r);
  return {
    what,
    goal: "≤ 0.6×",
    measured: `${ratio.toFixed(2)}× (${seconds(r.summary.all.wallMs)} vs ${seconds(r.summary.duckdb.wallMs)})`,
    met: ratio <= 0.6,
  };
}

/**
 * The API against the bare floor serving the same bytes, for the three endpoints at
 * every concurrency: the worst req/s ratio (API over floor) and the worst p99 ratio; and the
 * filtered read answered from the store.
 */
function apiTargets(api: ApiResult | undefined): Target[] {
  const rps = "API: req/s over the bare floor's, `/kpis`, `/agg_jour`, `/fact_achats?limit=1000` at 1, 16 and 64 clients (the worst)";
  const p99 = "API: p99 over the bare floor's, the same endpoints and clients (the worst)";
  const filtered = "API: filtered `/fact_achats` (country, product, dates) at 1M purchases, from the store, p50";
  const endpoints = api && "value" in api.endpoints ? api.endpoints.value.filter((e) => ["/kpis", "/agg_jour", "/fact_achats?limit=1000"].includes(e.path)) : [];
  const out: Target[] = [];
  if (endpoints.length === 0) {
    const why = api && "notMeasured" in api.endpoints ? api.endpoints.notMeasured : "not measured: the API section was skipped";
    out.push({ what: rps, goal: "≥ 0.7×", measured: why, met: null }, { what: p99, goal: "≤ 2×", measured: why, met: null });
  } else {
    // Each case's ratios: the median over its rounds (results written before rounds had one).
    const cases = endpoints.flatMap((e) =>
      e.api.map((a, i) => {
        const rounds = e.rounds?.[i] ?? [{ api: a, floor: e.floor[i]! }];
        return {
          path: e.path,
          clients: a.concurrency,
          rps: median(rounds.map((r) => r.api.rps / r.floor.rps)),
          p99: median(rounds.map((r) => r.api.p99Ms / r.floor.p99Ms)),
        };
      }),
    );
    const worstRps = cases.reduce((w, c) => (c.rps < w.rps ? c : w));
    const worstP99 = cases.reduce((w, c) => (c.p99 > w.p99 ? c : w));
    const r = worstRps.rps;
    const q = worstP99.p99;
    out.push({ what: rps, goal: "≥ 0.7×", measured: `${r.toFixed(2)}× (\`${worstRps.path}\`, ${worstRps.clients} clients)`, met: r >= 0.7 });
    out.push({ what: p99, goal: "≤ 2×", measured: `${q.toFixed(2)}× (\`${worstP99.path}\`, ${worstP99.clients} clients)`, met: q <= 2 });
  }
  const uncached = api?.uncached;
  if (api?.size === "1m" && uncached && "value" in uncached) {
    out.push({ what: filtered, goal: "≤ 20 ms", measured: `${uncached.value.p50Ms.toFixed(1)} ms`, met: uncached.value.p50Ms <= 20 });
  } else {
    const why = uncached && "notMeasured" in uncached ? uncached.notMeasured : `not measured: the API section ran on ${api?.size ?? "no"} lake, not 1m's`;
    out.push({ what: filtered, goal: "≤ 20 ms", measured: why, met: null });
  }
  return out;
}

export function targets(sizes: SizeResult[], memory: MemoryRow[], startup: StartupResult, api?: ApiResult): Target[] {
  const at = (size: SizeName) => sizes.find((s) => s.size === size);
  const unmeasured = (what: string, goal: string, size: SizeName): Target => ({
    what,
    goal,
    measured: `not measured: run with --sizes ${size}`,
    met: null,
  });
  const out: Target[] = [];
  const m1 = at("1m");
  const m10 = at("10m");

  const through1 = "1M purchases: `run --all` through gold (in the run)";
  const silver1 = "1M purchases: silver stage vs the parse floor";
  const export1 = "1M purchases: export to SQLite";
  const duck1 = "1M purchases: `run --all` end to end vs DuckDB's silver+gold";
  const mongo1 = "1M purchases: export to MongoDB, elt's CPU vs the SQLite export's";
  if (m1) {
    const all = m1.summary.all;
    out.push({ what: through1, goal: "≤ 3 s", measured: seconds(all.throughGoldMs!), met: all.throughGoldMs! <= 3000 });
    const share = ((all.auditMs ?? 0) / all.workMs) * 100;
    out.push({ what: "1M purchases: quality checks' share of `run --all`", goal: "< 2 %", measured: `${share.toFixed(2)} %`, met: share < 2 });
    const ratio = m1.summary.silver.floorRatio;
    out.push({ what: silver1, goal: "≤ 3× floor", measured: `${ratio.toFixed(2)}×`, met: ratio <= 3 });
    const exp = m1.summary.export.workMs;
    out.push({ what: export1, goal: "< 2 s", measured: seconds(exp), met: exp < 2000 });
    out.push({ what: export1, goal: "≤ 0.8 s", measured: seconds(exp), met: exp <= 800 });
    const floorOfExport = "1M purchases: export to SQLite vs the sqlite3 shell's `.import` of fact_achats and dim_clients";
    out.push(
      "ms" in m1.exportFloor
        ? { what: floorOfExport, goal: "≤ 0.4×", measured: `${(exp / m1.exportFloor.ms).toFixed(2)}× (${seconds(m1.exportFloor.ms)})`, met: exp / m1.exportFloor.ms <= 0.4 }
        : { what: floorOfExport, goal: "≤ 0.4×", measured: m1.exportFloor.notMeasured, met: null },
    );
    out.push(versusDuckdb(duck1, m1));
    if ("notMeasured" in m1.mongoExport) out.push({ what: mongo1, goal: "≤ 2×", measured: m1.mongoExport.notMeasured, met: null });
    else {
      const cpu = m1.mongoExport.summary.cpuMs / m1.summary.export.cpuMs;
      out.push({ what: mongo1, goal: "≤ 2×", measured: `${cpu.toFixed(2)}× (${seconds(m1.mongoExport.summary.cpuMs)} CPU)`, met: cpu <= 2 });
    }
  } else {
    out.push(
      unmeasured(through1, "≤ 3 s", "1m"),
      unmeasured(silver1, "≤ 3× floor", "1m"),
      unmeasured(export1, "< 2 s", "1m"),
      unmeasured(export1, "≤ 0.8 s", "1m"),
      unmeasured(duck1, "≤ 0.6×", "1m"),
      unmeasured(mongo1, "≤ 2×", "1m"),
    );
  }

  const through10 = "10M purchases: `run --all` through gold (in the run)";
  const rss10 = "10M purchases: peak RSS of `run --all`";
  const duck10 = "10M purchases: `run --all` end to end vs DuckDB's silver+gold";
  const export10 = "10M purchases: export to SQLite";
  if (m10) {
    const all = m10.summary.all;
    out.push({ what: through10, goal: "≤ 30 s", measured: seconds(all.throughGoldMs!), met: all.throughGoldMs! <= 30_000 });
    out.push({ what: rss10, goal: "< 1.5 GB", measured: gib(all.maxRssBytes), met: all.maxRssBytes < 1.5e9 });
    out.push(versusDuckdb(duck10, m10));
    const exp = m10.summary.export.workMs;
    out.push({ what: export10, goal: "≤ 8 s", measured: seconds(exp), met: exp <= 8000 });
  } else {
    out.push(
      unmeasured(through10, "≤ 30 s", "10m"),
      unmeasured(rss10, "< 1.5 GB", "10m"),
      unmeasured(duck10, "≤ 0.6×", "10m"),
      unmeasured(export10, "≤ 8 s", "10m"),
    );
  }
  out.push(...apiTargets(api));

  const flat = "Flat memory: peak RSS of `run --all`, 10M over 1M, less the q99 amounts and id sets";
  const all = memory.find((r) => r.stage === "all");
  out.push(
    all
      ? { what: flat, goal: "≤ 2×", measured: `${all.adjustedRatio.toFixed(2)}× (raw ${all.ratio.toFixed(2)}×)`, met: all.adjustedRatio <= 2 }
      : { what: flat, goal: "≤ 2×", measured: "not measured: needs --sizes 1m,10m", met: null },
  );
  out.push({ what: "`elt --help` of the executable, spawn to exit", goal: "< 100 ms", measured: `${startup.helpMs.toFixed(0)} ms`, met: startup.helpMs < 100 });
  return out;
}
