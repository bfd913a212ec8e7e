#!/usr/bin/env bun
import { cac } from "cac";
import pkg from "../package.json" with { type: "json" };
import { EltError, errorLine } from "./errors.ts";
import { loadConfig, redact, secretsOf } from "./config.ts";

/** One line per command; each command lives in commands/ and is loaded only when it runs. */
const cli = cac("elt");

type Action = (...args: any[]) => Promise<number>;
const action = (load: () => Promise<Action>) => async (...args: unknown[]) => (await load())(...args);

cli
  .command("generate", "Write synthetic clients.csv and achats.csv (seeded, with realistic defects)")
  .option("--out <dir>", "Folder to write to", { default: "data/sources" })
  .option("--clients <n>", "Number of clients", { default: 1500 })
  .option("--avg-purchases <n>", "Average purchases per client", { default: 5 })
  .option("--seed <n>", "Random seed: same seed and options give byte-identical files", { default: 42 })
  .option("--as-of <date>", "Reference date YYYY-MM-DD (default: today UTC)")
  .option("--dirty-rate <r>", "Share of rows given a defect, 0 to 0.5", { default: 0.02 })
  .option("--json", "Print the report as JSON")
  .action(action(async () => async (o) => (await import("./commands/generate.ts")).generateCommand(o)));

cli
  .command("run [layer]", "Run one layer (bronze, silver, gold, export) or the whole pipeline with --all")
  .option("--all", "Run bronze, silver, gold and export")
  .option("--sources <dir>", "Folder holding clients.csv and achats.csv", { default: "data/sources" })
  .option("--as-of <date>", "Reference date YYYY-MM-DD for future/too-old rules (default: today UTC)")
  .option("--force", "Rebuild layers even when their inputs are unchanged")
  .option("--generate", "Generate sources first when the folder has none")
  .option("--wait", "Wait for another run on the same lake to finish instead of refusing")
  .option("--task-timeout <minutes>", "Fail a task that runs longer than this", { default: 120 })
  .option("--json", "Print the run record as JSON instead of the summary")
  .option("--serve", "Afterwards: measure the refresh time and keep the API serving")
  .option("--dashboard", "Afterwards: measure the refresh time and open the dashboard on the API")
  .example("elt run --all")
  .example("elt run silver --as-of 2026-06-30 --force")
  .action(action(async () => async (layer, o) => (await import("./commands/run.ts")).runCommand({ ...o, layer })));

cli
  .command("serve", "Serve the gold tables over HTTP (OpenAPI docs at /docs)")
  .option("--port <port>", "Port", { default: 8000 })
  .option("--host <host>", "Interface to bind (0.0.0.0 for containers)", { default: "127.0.0.1" })
  .action(action(async () => async (o) => (await import("./commands/serve.ts")).serveCommand(o)));

cli
  .command("dashboard", "The business dashboard in the terminal")
  .option("--api <url>", "Read this API (default: API_URL)")
  .option("--local", "Read the embedded serving store directly")
  .option("--once", "Print one frame and exit (the default when stdout is not a terminal)")
  .option("--width <cols>", "Frame width with --once")
  .option("--height <rows>", "Frame height with --once")
  .option("--refresh <seconds>", "Reload the data every N seconds")
  .option("--no-color", "No colours (NO_COLOR is honoured too)")
  .action(action(async () => async (o) => (await import("./commands/dashboard.ts")).dashboardCommand(o)));

cli
  .command("refresh-test", "Measure how fast newly written data becomes visible through the API")
  .option("--iterations <n>", "Probes per collection", { default: 10 })
  .option("--collections <list>", "Comma-separated gold tables to probe")
  .option("--spawn", "Start the API in this process instead of using API_URL")
  .option("--json", "Print the figures as JSON")
  .action(action(async () => async (o) => (await import("./commands/refresh-test.ts")).refreshTestCommand(o)));

cli
  .command("runs", "List recent runs")
  .option("--limit <n>", "How many", { default: 20 })
  .option("--flow <name>", "Only runs of this flow (all, bronze, silver+gold, ...)")
  .option("--json", "Print the run records as JSON")
  .action(action(async () => async (o) => (await import("./commands/runs.ts")).runsCommand(o)));

cli
  .command("logs <run>", "Print a run's logs (a run id, or a unique part of it)")
  .option("--json", "Print JSON lines")
  .action(action(async () => async (run, o) => (await import("./commands/logs.ts")).logsCommand({ ...o, run })));

cli
  .command("rollback [run]", "Publish again the gold tables of an earlier run (default: the one before the latest)")
  .option("--wait", "Wait for a run on the same lake to finish instead of refusing")
  .option("--json", "Print the result as JSON")
  .action(action(async () => async (run, o) => (await import("./commands/rollback.ts")).rollbackCommand({ ...o, run })));

cli
  .command("doctor", "Show the effective configuration (secrets masked) and check every backend")
  .option("--json", "Print the checks as JSON")
  .action(action(async () => async (o) => (await import("./commands/doctor.ts")).doctorCommand(o)));

cli.help();
cli.version(pkg.version);

function fail(err: unknown): number {
  let secrets: string[] = [];
  try {
    secrets = secretsOf(loadConfig());
  } catch {
    // the configuration itself is what failed; its message names no secret
  }
  const message = redact(errorLine(err), secrets);
  const usage = err instanceof Error && err.name === "CACError";
  process.stderr.write(`elt: ${message}\n`);
  if (usage) process.stderr.write("Run `elt --help` for usage.\n");
  if (process.env.ELT_DEBUG && err instanceof Error && err.stack) process.stderr.write(redact(err.stack, secrets) + "\n");
  return err instanceof EltError ? err.exitCode : usage ? 2 : 1;
}

async function main(argv: string[]): Promise<number> {
  try {
    const parsed = cli.parse(argv, { run: false });
    if (!cli.matchedCommand) {
      if (parsed.options.help || parsed.options.version) return 0;
      const name = parsed.args[0];
      process.stderr.write(name ? `elt: unknown command "${name}"\n` : "elt: name a command\n");
      process.stderr.write("Run `elt --help` for the list of commands.\n");
      return 2;
    }
    if (parsed.options.help) return 0;
    return ((await cli.runMatchedCommand()) as number | undefined) ?? 0;
  } catch (err) {
    return fail(err);
  }
}

process.exit(await main(process.argv));
