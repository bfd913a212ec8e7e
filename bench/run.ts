/**
 * `npm run bench`: the pipeline on generated datasets, each stage in a fresh process, next to
 * the floor and DuckDB's silver+gold measured in the same run; then the API under load. Writes
 * bench/results/<date>-<host>.{json,md}, bench/results/latest.md, and the latest table in
 * bench/README.md.
 *
 *   bun bench/run.ts [--sizes 100k,1m] [--repeat 1] [--no-api]
 */
import { cac } from "cac";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { benchApi } from "./api.ts";
import { benchStartup } from "./startup.ts";
import { DEFAULT_SIZES, dataset, parseSizes } from "./datasets.ts";
import { describeMachine } from "./machine.ts";
import { PipelineBench, STAGES, type Sample, type Stage } from "./pipeline.ts";
import { renderReport } from "./report.ts";
import { memoryRows, summarize, targets, type BenchResult, type SizeResult } from "./results.ts";
import { median } from "./stats.ts";

/** Fixed, so datasets and results compare across days. */
const AS_OF = "2025-06-30";
const BENCH_DIR = import.meta.dir;
const CACHE = join(BENCH_DIR, ".cache");
const RESULTS = join(BENCH_DIR, "results");
const README_MARKS = ["<!-- latest:start -->", "<!-- latest:end -->"] as const;

const cli = cac("bench");
cli
  .option("--sizes <list>", "Dataset sizes: 100k, 1m, 10m (10m is opt-in: it takes minutes)", { default: DEFAULT_SIZES.join(",") })
  .option("--repeat <n>", "Measure each stage this many times and report medians", { default: 1 })
  .option("--no-api", "Skip the API section")
  .help();
const { options } = cli.parse();
if (options.help) process.exit(0);

const sizes = parseSizes(String(options.sizes));
const repeat = Number(options.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: expected a positive integer, got ${options.repeat}`);
const mongoUri = process.env.ELT_TEST_MONGODB_URI || undefined;

const machine = describeMachine();
const workDir = join(CACHE, "work");
await mkdir(workDir, { recursive: true });
const log = (line: string) => process.stderr.write(`${line}\n`);

const results: SizeResult[] = [];
/** The lake the API bench serves: the largest size up to 1M, built by the layer runs. */
let apiLake: { home: string; size: string } | undefined;
const apiSize = [...sizes].reverse().find((s) => s !== "10m") ?? sizes[0];

try {
  for (const size of sizes) {
    const data = await dataset(size, CACHE, AS_OF);
    const bench = new PipelineBench(data, { asOf: AS_OF, workDir, mongoUri });
    const samples = Object.fromEntries(STAGES.map((s) => [s, [] as Sample[]])) as Record<Stage, Sample[]>;
    const mongo: Sample[] = [];
    const importFloor: number[] = [];
    let importNotMeasured: string | undefined;
    for (let r = 0; r < repeat; r++) {
      log(`${size} (${r + 1}/${repeat}): floor`);
      samples.floor.push(await bench.floor());
      log(`${size} (${r + 1}/${repeat}): bronze, silver, gold, export`);
      const keep = options.api !== false && size === apiSize && r === repeat - 1;
      const layers = await bench.layers(keep);
      for (const stage of ["bronze", "silver", "gold", "export"] as const) samples[stage].push(layers.samples[stage]);
      if (layers.mongo) mongo.push(layers.mongo);
      if (typeof layers.importFloorMs === "number") importFloor.push(layers.importFloorMs);
      else importNotMeasured = layers.importFloorMs;
      if (keep) apiLake = { home: layers.home, size };
      log(`${size} (${r + 1}/${repeat}): run --all`);
      samples.all.push(await bench.all());
      log(`${size} (${r + 1}/${repeat}): DuckDB's silver+gold (the reference)`);
      samples.duckdb.push(await bench.duckdb());
    }
    const floorMs = summarize(samples.floor, 1).workMs;
    const summary = Object.fromEntries(STAGES.map((s) => [s, summarize(samples[s], floorMs)])) as SizeResult["summary"];
    results.push({
      size,
      dataset: { rows: data.rows, bytes: data.bytes, generatedMs: data.generatedMs },
      samples,
      summary,
      exportFloor: importFloor.length ? { ms: median(importFloor) } : { notMeasured: importNotMeasured ?? "not measured" },
      mongoExport: mongoUri
        ? { samples: mongo, summary: summarize(mongo, floorMs) }
        : { notMeasured: "not measured: ELT_TEST_MONGODB_URI not set" },
    });
  }

  const api = apiLake
    ? await benchApi({ ...apiLake, workDir, durationMs: 1000, warmupMs: 300 })
    : { notMeasured: options.api === false ? "skipped (--no-api)" : "no lake to serve" };

  log("start-up: elt --help of the executable");
  const startup = await benchStartup(workDir);

  const small = results.find((r) => r.size === "1m");
  const large = results.find((r) => r.size === "10m");
  const memory = small && large ? memoryRows(small, large) : [];
  const result: BenchResult = {
    date: new Date().toISOString(),
    machine,
    options: { sizes, repeat, asOf: AS_OF },
    sizes: results,
    api,
    startup,
    memory,
    targets: targets(results, memory, startup, "notMeasured" in api ? undefined : api),
  };
  await publish(result);
} finally {
  if (apiLake) await rm(apiLake.home, { recursive: true, force: true });
}

async function publish(result: BenchResult): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  const name = `${result.date.slice(0, 10)}-${machine.host.replace(/[^A-Za-z0-9._-]/g, "-")}`;
  const markdown = renderReport(result);
  await writeFile(join(RESULTS, `${name}.json`), JSON.stringify(result, null, 2) + "\n");
  await writeFile(join(RESULTS, `${name}.md`), markdown);
  await writeFile(join(RESULTS, "latest.md"), markdown);
  const readme = join(BENCH_DIR, "README.md");
  if (existsSync(readme)) {
    const text = readFileSync(readme, "utf8");
    const [start, end] = README_MARKS;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from >= 0 && to > from) {
      // The report's own title becomes a sub-heading of the README's section.
      const body = markdown.replace(/^# .*\n/, "").replace(/^(#+) /gm, "#$1 ");
      await writeFile(readme, `${text.slice(0, from + start.length)}\n\nFrom \`results/${name}.md\`:\n\n${body.trim()}\n\n${text.slice(to)}`);
    }
  }
  process.stdout.write(markdown);
  log(`\nwritten: bench/results/${name}.json, bench/results/${name}.md, bench/results/latest.md`);
}

