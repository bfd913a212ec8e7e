/**
 * The API section's endpoint table alone, on a lake already built: for comparing two versions of
 * the API in one session without the pipeline runs. Prints the table; writes no results file.
 *
 *   bun bench/api-only.ts ELT_HOME [--duration-ms 1000] [--warmup-ms 300] [--cli other/src/cli.ts]
 * ELT_HOME: a folder where `elt run --all` exported (its serving.sqlite is served).
 */
import { cac } from "cac";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchEndpoints } from "./api.ts";
import { endpointTable, uncachedLine } from "./report.ts";

const cli = cac("api-only");
cli.option("--duration-ms <ms>", "Measured time of each load (ROUNDS rounds of the API and the floor per endpoint and concurrency)", { default: 1000 });
cli.option("--warmup-ms <ms>", "Requests before the clock starts", { default: 300 });
cli.option("--cli <path>", "The src/cli.ts whose serve to measure (another checkout, for a before/after)");
cli.help();
const { args, options } = cli.parse();
if (options.help) process.exit(0);
const home = args[0];
if (!home) throw new Error("usage: bun bench/api-only.ts ELT_HOME");

const workDir = await mkdtemp(join(tmpdir(), "elt-api-bench-"));
try {
  const result = await benchEndpoints({ home, size: "", workDir, durationMs: Number(options.durationMs), warmupMs: Number(options.warmupMs), cli: options.cli });
  process.stdout.write(`${endpointTable(result.endpoints)}\n\n${uncachedLine(result.uncached)}\n`);
} finally {
  await rm(workDir, { recursive: true, force: true });
}
