import { readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { CLI, childEnv, runChild, type ChildRun } from "./child.ts";
import type { Dataset } from "./datasets.ts";

/**
 * The pipeline of one dataset, every stage in a fresh process on the embedded default: each
 * layer on its own (bronze, silver, gold, export, in that order, in one ELT_HOME), then
 * `run --all` in a fresh ELT_HOME, then DuckDB's silver+gold on the same sources.
 */

export const STAGES = ["floor", "bronze", "silver", "gold", "export", "all", "duckdb"] as const;
export type Stage = (typeof STAGES)[number];

/** One measurement of one stage. */
export interface Sample {
  /** The process, start to exit. */
  wallMs: number;
  /** CPU time of the process (user + system): less swayed than wall time by a busy machine. */
  cpuMs: number;
  /** The work inside it: the run's duration in its record (the floor's parse time). */
  workMs: number;
  maxRssBytes: number;
  rowsIn: number;
  inputBytes: number;
  /** run --all only: from the run's start to the end of its gold task, and its export task. */
  throughGoldMs?: number;
  exportMs?: number;
  /** run --all only: the quality checks' time, silver's and gold's audits together (their records' metrics.audit_ms). */
  auditMs?: number;
  /** run --all only: CPU of JavaScriptCore's compiler threads (`JITWorker`), a lower bound (thread-cpu.ts); none without /proc or without such threads. */
  jitCpuMs?: number;
  /** floor only: our own reader over the same bytes. */
  parseCsvMs?: number;
  /** duckdb only: the reject reasons whose count differs from the generator's defects, as `dataset reason: got/expected`. */
  rejectMismatches?: string[];
}

interface TaskRecord {
  name: string;
  state: string;
  ended_at?: string;
  duration_ms?: number;
  rows_in?: number;
  metrics?: { audit_ms?: number };
}

interface RunRecord {
  state: string;
  started_at: string;
  duration_ms?: number;
  tasks: TaskRecord[];
  error?: string;
}

export interface PipelineOptions {
  asOf: string;
  workDir: string;
  /** Also load the serving store into this MongoDB (a throw-away database) and time it. */
  mongoUri?: string;
}

/** Bytes of the files under a folder whose names end with `suffix`, `_versions` left out. */
function bytesUnder(dir: string, suffix: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith("_")) total += bytesUnder(path, suffix);
    else if (entry.isFile() && entry.name.endsWith(suffix)) total += statSync(path).size;
  }
  return total;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function recordOf(run: ChildRun, what: string): RunRecord {
  const record = JSON.parse(run.stdout) as RunRecord;
  if (record.state !== "succeeded") throw new Error(`${what}: the run ended ${record.state}: ${record.error ?? ""}`);
  const skipped = record.tasks.find((t) => t.state !== "succeeded");
  if (skipped) throw new Error(`${what}: task ${skipped.name} ended ${skipped.state}, not measured`);
  return record;
}

export class PipelineBench {
  constructor(
    private readonly data: Dataset,
    private readonly options: PipelineOptions,
  ) {}

  private async run(home: string, args: string[], extraEnv: Record<string, string> = {}, threads = false): Promise<[ChildRun, RunRecord]> {
    const run = await runChild([CLI, "run", ...args, "--force", "--as-of", this.options.asOf, "--sources", this.data.dir, "--json"], {
      env: childEnv({ ELT_HOME: home, ...extraEnv }),
      cwd: home,
      threads,
    });
    return [run, recordOf(run, `run ${args.join(" ")}`)];
  }

  async floor(): Promise<Sample> {
    const files = [this.data.files.clients, this.data.files.achats];
    const run = await runChild([join(import.meta.dir, "floor.ts"), ...files], { env: childEnv({}), cwd: this.options.workDir });
    const result = JSON.parse(run.stdout) as Record<"papaparse" | "parseCsv", { ms: number; records: number }>;
    return {
      wallMs: run.wallMs,
      cpuMs: run.cpuMs,
      workMs: result.papaparse.ms,
      parseCsvMs: result.parseCsv.ms,
      maxRssBytes: run.maxRssBytes,
      rowsIn: result.papaparse.records,
      inputBytes: this.data.bytes.clients + this.data.bytes.achats,
    };
  }

  /**
   * bronze, silver, gold and export one after the other, each its own process, in a fresh
   * ELT_HOME that is removed afterwards unless `keep` (the API bench serves it).
   */
  async layers(
    keep: boolean,
  ): Promise<{ samples: Record<"bronze" | "silver" | "gold" | "export", Sample>; home: string; mongo?: Sample; importFloorMs: number | string }> {
    const home = await mkdtemp(join(this.options.workDir, `home-${this.data.size}-`));
    const lake = join(home, "lake");
    const sourceBytes = this.data.bytes.clients + this.data.bytes.achats;
    const sample = (run: ChildRun, record: RunRecord, inputBytes: number): Sample => ({
      wallMs: run.wallMs,
      cpuMs: run.cpuMs,
      workMs: record.duration_ms ?? 0,
      maxRssBytes: run.maxRssBytes,
      rowsIn: sum(record.tasks.map((t) => t.rows_in ?? 0)),
      inputBytes,
    });
    try {
      const bronze = sample(...(await this.run(home, ["bronze"])), sourceBytes);
      const silver = sample(...(await this.run(home, ["silver"])), sourceBytes);
      const gold = sample(...(await this.run(home, ["gold"])), bytesUnder(join(lake, "silver"), ".parquet"));
      const goldBytes = bytesUnder(join(lake, "gold"), ".parquet");
      const exported = sample(...(await this.run(home, ["export"])), goldBytes);
      const importFloorMs = await sqliteImportFloor(join(lake, "gold"), home);
      let mongo: Sample | undefined;
      if (this.options.mongoUri) {
        const database = `elt_bench_${process.pid}_${Date.now()}`;
        try {
          mongo = sample(...(await this.run(home, ["export"], { MONGODB_URI: this.options.mongoUri, MONGODB_DATABASE: database })), goldBytes);
        } finally {
          await dropDatabase(this.options.mongoUri, database);
        }
      }
      return { samples: { bronze, silver, gold, export: exported }, home, mongo, importFloorMs };
    } finally {
      if (!keep) await rm(home, { recursive: true, force: true });
    }
  }

  /** `run --all` in a fresh ELT_HOME, with the in-run time through gold and the export's. */
  async all(): Promise<Sample> {
    const home = await mkdtemp(join(this.options.workDir, `all-${this.data.size}-`));
    try {
      const [run, record] = await this.run(home, ["--all"], {}, true);
      const gold = record.tasks.find((t) => t.name === "gold")!;
      const exported = record.tasks.find((t) => t.name === "export")!;
      return {
        wallMs: run.wallMs,
        cpuMs: run.cpuMs,
        workMs: record.duration_ms ?? 0,
        maxRssBytes: run.maxRssBytes,
        rowsIn: this.data.rows.clients + this.data.rows.achats,
        inputBytes: this.data.bytes.clients + this.data.bytes.achats,
        throughGoldMs: Date.parse(gold.ended_at!) - Date.parse(record.started_at),
        exportMs: exported.duration_ms ?? 0,
        auditMs: sum(record.tasks.map((t) => t.metrics?.audit_ms ?? 0)),
        jitCpuMs: run.threadCpuMs?.JITWorker,
      };
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }

  /**
   * DuckDB's silver+gold on the same sources (duckdb-reference.ts) in its own process, writing
   * into a fresh folder that is removed afterwards. Its rejects per reason are checked against
   * the generator's defects, so a reference that skipped work would show.
   */
  async duckdb(): Promise<Sample> {
    const out = await mkdtemp(join(this.options.workDir, `duckdb-${this.data.size}-`));
    try {
      const run = await runChild(
        [join(import.meta.dir, "duckdb-reference.ts"), this.data.files.clients, this.data.files.achats, this.options.asOf, out],
        { env: childEnv({}), cwd: out },
      );
      const result = JSON.parse(run.stdout) as { ms: number } & Record<"clients" | "achats", Record<string, number>>;
      const rejectMismatches = (["clients", "achats"] as const).flatMap((dataset) => {
        const expected = this.data.defects[dataset];
        const got = result[dataset];
        const reasons = new Set([...Object.keys(expected), ...Object.keys(got)].filter((r) => r !== "kept"));
        return [...reasons].filter((r) => (got[r] ?? 0) !== (expected[r] ?? 0)).map((r) => `${dataset} ${r}: ${got[r] ?? 0}/${expected[r] ?? 0}`);
      });
      return {
        wallMs: run.wallMs,
        cpuMs: run.cpuMs,
        workMs: result.ms,
        maxRssBytes: run.maxRssBytes,
        rowsIn: this.data.rows.clients + this.data.rows.achats,
        inputBytes: this.data.bytes.clients + this.data.bytes.achats,
        rejectMismatches,
      };
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }
}

/**
 * The export's floor: SQLite's own shell loading the two big gold tables' CSVs (fact_achats and
 * dim_clients) into a fresh file with `.import`, start to exit. Its milliseconds, or why it was
 * not measured.
 */
async function sqliteImportFloor(gold: string, dir: string): Promise<number | string> {
  const shell = Bun.which("sqlite3");
  if (!shell) return "not measured: the sqlite3 shell is not installed (Debian package sqlite3)";
  const db = join(dir, "import-floor.sqlite");
  const script = ["fact_achats", "dim_clients"].map((t) => `.import --csv ${join(gold, `${t}.csv`)} ${t}`).join("\n") + "\n";
  const started = performance.now();
  const child = Bun.spawn([shell, db], { stdin: new TextEncoder().encode(script), stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  const ms = performance.now() - started;
  await rm(db, { force: true });
  if (code !== 0 || err.trim()) throw new Error(`sqlite3 .import failed: ${err.trim()}`);
  return ms;
}

async function dropDatabase(uri: string, database: string): Promise<void> {
  const { MongoClient } = await import("mongodb");
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db(database).dropDatabase();
  } finally {
    await client.close();
  }
}
