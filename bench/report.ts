import { CONCURRENCY, type ApiResult, type DuringExport, type EndpointResult, type UncachedResult } from "./api.ts";
import { duckdbRatio, type BenchResult, type SizeResult, type StageSummary } from "./results.ts";
import { MiB } from "./stats.ts";

/** The results as a markdown report: targets first, then each size, memory, the API. */

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number) => `${int(bytes / MiB)} MiB`;
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const verdict = (met: boolean | null) => (met === null ? "—" : met ? "✅ met" : "❌ missed");

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

const STAGE_LABELS: Record<string, string> = {
  floor: "floor: papaparse, streamed",
  bronze: "`run bronze`",
  silver: "`run silver`",
  gold: "`run gold`",
  export: "`run export` (SQLite)",
  all: "`run --all`",
  duckdb: "DuckDB: silver+gold (reference)",
};

function stageRow(stage: string, s: StageSummary): string[] {
  return [STAGE_LABELS[stage] ?? stage, secs(s.workMs), `${s.floorRatio.toFixed(2)}×`, secs(s.wallMs), secs(s.cpuMs), int(s.rowsPerSec), s.mibPerSec.toFixed(1), mib(s.maxRssBytes)];
}

function sizeSection(r: SizeResult): string {
  const { rows, bytes } = r.dataset;
  const s = r.summary;
  const lines = [
    `### ${r.size}: ${int(rows.achats)} purchases, ${int(rows.clients)} clients (${mib(bytes.achats + bytes.clients)} of CSV)`,
    "",
    table(
      ["stage", "work", "× floor", "process wall", "process CPU", "rows/s", "MiB/s in", "peak RSS"],
      (["floor", "bronze", "silver", "gold", "export", "all", "duckdb"] as const).map((stage) => stageRow(stage, s[stage])),
    ),
    "",
    `- our own reader (\`parseCsv\`) over the same bytes: ${secs(s.floor.parseCsvMs!)} (${(s.floor.parseCsvMs! / s.floor.workMs).toFixed(2)}× papaparse)`,
    `- \`run --all\`: through gold ${secs(s.all.throughGoldMs!)} in the run, export ${secs(s.all.exportMs!)}, quality checks ${(s.all.auditMs ?? 0).toFixed(1)} ms (${(((s.all.auditMs ?? 0) / s.all.workMs) * 100).toFixed(2)} % of the run)`,
    s.all.jitCpuMs === undefined || !(s.all.cpuMs > 0)
      ? "- `run --all`'s CPU by thread: not measured (no /proc to read threads from, or no thread named `JITWorker`)"
      : `- \`run --all\`'s CPU by thread: JavaScriptCore's compiler threads (\`JITWorker\`) at least ${secs(s.all.jitCpuMs)} of its ${secs(s.all.cpuMs)} (${((s.all.jitCpuMs / s.all.cpuMs) * 100).toFixed(0)} %), on the cores the run's own threads use`,
    "notMeasured" in r.exportFloor
      ? `- the export's floor (sqlite3 \`.import\`): ${r.exportFloor.notMeasured}`
      : `- the export's floor, the sqlite3 shell's \`.import\` of fact_achats.csv and dim_clients.csv into a fresh file: ${secs(r.exportFloor.ms)} (export ${(s.export.workMs / r.exportFloor.ms).toFixed(2)}× that)`,
    "notMeasured" in r.mongoExport
      ? `- export to MongoDB: ${r.mongoExport.notMeasured}`
      : `- export to MongoDB: ${secs(r.mongoExport.summary.workMs)} (peak RSS ${mib(r.mongoExport.summary.maxRssBytes)})`,
    duckdbLine(r),
  ];
  return lines.join("\n");
}

function duckdbLine(r: SizeResult): string {
  const { all, duckdb } = r.summary;
  const mismatches = [...new Set(r.samples.duckdb.flatMap((s) => s.rejectMismatches ?? []))];
  return (
    `- DuckDB's silver+gold on the same sources (\`bench/duckdb-reference.ts\`: SQL, silver and gold written as Parquet, gold also as CSV): ` +
    `process wall ${secs(duckdb.wallMs)}, CPU ${secs(duckdb.cpuMs)}, peak RSS ${mib(duckdb.maxRssBytes)}; ` +
    `\`run --all\` end to end is ${duckdbRatio(r).toFixed(2)}× its wall time, ${(all.cpuMs / duckdb.cpuMs).toFixed(2)}× its CPU and ` +
    `${(all.maxRssBytes / duckdb.maxRssBytes).toFixed(2)}× its peak RSS; its rejects per reason ` +
    (mismatches.length ? `differ from the generator's defects (got/expected): ${mismatches.join(", ")}` : "are the generator's defects")
  );
}

function endpointRows(e: EndpointResult): string[][] {
  return CONCURRENCY.map((c, i) => {
    const api = e.api[i]!;
    const floor = e.floor[i]!;
    return [
      i === 0 ? `\`${e.path}\` (${int(e.bytes)} B)` : "",
      String(c),
      int(api.rps),
      ms(api.p50Ms),
      ms(api.p99Ms),
      int(floor.rps),
      ms(floor.p50Ms),
      ms(floor.p99Ms),
      `${(floor.rps / api.rps).toFixed(1)}×`,
      api.serverCpuUs !== undefined && floor.serverCpuUs !== undefined ? `${int(api.serverCpuUs)} / ${int(floor.serverCpuUs)}` : "—",
      api.errors ? String(api.errors) : "0",
    ];
  });
}

/** The API against its floor, endpoint by endpoint (also printed alone by bench/api-only.ts). */
export function endpointTable(endpoints: readonly EndpointResult[]): string {
  return table(
    ["endpoint", "clients", "req/s", "p50 ms", "p99 ms", "floor req/s", "floor p50", "floor p99", "floor ÷ API", "server CPU µs/req, API / floor", "errors"],
    endpoints.flatMap(endpointRows),
  );
}

export function uncachedLine({ path, requests, p50Ms, maxMs }: UncachedResult): string {
  return (
    `Uncached filtered read (one client, ${requests} requests of \`${path}\` each with another \`skip\`, so every answer ` +
    `comes from the store): p50 ${ms(p50Ms)} ms, max ${ms(maxMs)} ms.`
  );
}

function apiSection(api: ApiResult | { notMeasured: string }): string {
  if ("notMeasured" in api) return `## API\n\nNot measured: ${api.notMeasured}.`;
  const lines = [`## API (lake of the ${api.size} dataset)`, ""];
  if ("notMeasured" in api.endpoints) lines.push(`Endpoints not measured: ${api.endpoints.notMeasured}.`);
  else {
    const rounds = api.endpoints.value[0]?.rounds?.[0]?.length;
    if (rounds) lines.push(`Each row: the median of ${rounds} rounds (by req/s ratio), the API and the floor in turn.`, "");
    lines.push(endpointTable(api.endpoints.value));
  }
  if (api.uncached) {
    lines.push("", "notMeasured" in api.uncached ? `Uncached filtered read: **not measured** — ${api.uncached.notMeasured}.` : uncachedLine(api.uncached.value));
  }
  lines.push(
    "",
    "notMeasured" in api.duringExport
      ? `During an export: **not measured** — ${api.duringExport.notMeasured}.`
      : duringExportLine(api.duringExport.value),
    "",
    "notMeasured" in api.refresh
      ? `Refresh test (\`elt refresh-test --spawn\`): **not measured** — ${api.refresh.notMeasured}.`
      : `Refresh test (\`elt refresh-test --spawn\`): p50 ${ms(api.refresh.value.p50Ms)} ms, p95 ${ms(api.refresh.value.p95Ms)} ms.`,
  );
  return lines.join("\n");
}

function duringExportLine({ path, exportMs, load }: DuringExport): string {
  return (
    `During an export (\`elt run export --force\` in another process, ${(exportMs / 1000).toFixed(1)} s): ` +
    `${load.concurrency} clients on \`${path}\` made ${int(load.requests)} requests, ` +
    `${load.errors} errors (non-200, empty or partial answers), p50 ${ms(load.p50Ms)} ms, p99 ${ms(load.p99Ms)} ms.`
  );
}

function memorySection(result: BenchResult): string {
  if (result.memory.length === 0) return "";
  return [
    "## Memory: 10M against 1M",
    "",
    table(
      ["stage", "peak RSS 1M", "peak RSS 10M", "ratio", "ratio less silver's q99 amounts and id sets"],
      result.memory.map((m) => [STAGE_LABELS[m.stage]!, mib(m.smallBytes), mib(m.largeBytes), `${m.ratio.toFixed(2)}×`, `${m.adjustedRatio.toFixed(2)}×`]),
    ),
  ].join("\n");
}

function startupSection({ helpMs, floorMs, bytes, floorBytes, rounds }: BenchResult["startup"]): string {
  return [
    "## Start-up",
    "",
    `\`elt --help\` of the executable \`npm run build\` makes: ${ms(helpMs)} ms (median of ${rounds} fresh processes); ` +
      `a one-line program compiled by the same Bun: ${ms(floorMs)} ms. Executable ${mib(bytes)}, ${((bytes - floorBytes) / MiB).toFixed(1)} MiB over that program's ${mib(floorBytes)}.`,
  ].join("\n");
}

export function renderReport(result: BenchResult): string {
  const m = result.machine;
  return [
    `# Benchmark, ${result.date.slice(0, 16).replace("T", " ")} UTC, ${m.host}`,
    "",
    `${m.cpus} CPUs (${m.cpuModel}), ${(m.memoryBytes / 1024 ** 3).toFixed(1)} GiB memory, ${m.os}, Bun ${m.bun}; ` +
      `load average at start ${m.loadAverage.join(" / ")}. Sizes ${result.options.sizes.join(", ")}, ` +
      `${result.options.repeat} repeat(s) (medians), as of ${result.options.asOf}.`,
    "",
    "## Targets",
    "",
    table(
      ["target", "goal", "measured", ""],
      result.targets.map((t) => [t.what, t.goal, t.measured, verdict(t.met)]),
    ),
    "",
    "## Pipeline",
    "",
    "work: the run's own duration from its run record (the floor: its parse time; DuckDB: its database opened to its last file written); × floor: work over the floor's; " +
      "process wall: spawn to exit, start-up included; process CPU: user + system time of that process (less swayed by a busy machine than wall time); rows/s and MiB/s: the stage's input over its work time.",
    "",
    ...result.sizes.flatMap((s) => [sizeSection(s), ""]),
    memorySection(result),
    "",
    apiSection(result.api),
    "",
    startupSection(result.startup),
    "",
  ]
    .join("\n")
    .replace(/\n{3,}/g, "\n\n");
}
