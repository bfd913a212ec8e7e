import { z } from "zod";
import { bufferedLines, isoNow } from "../api/access-log.ts";
import { listen } from "../api/listen.ts";
import { loadConfig, secretsOf, type Config } from "../config/environment.ts";
import { redact } from "../core/redact.ts";
import { UsageError, errorLine } from "../core/errors.ts";
import type { ScheduleStatus } from "../api/schedule.ts";
import type { Schedule } from "../schedule/schedule.ts";
import { openServingStore } from "../serving/registry/open.ts";
import { defineCommand, flag } from "./command.ts";
import { parseOptions, requireSourcesFolder, scheduleFlags } from "./options.ts";

const PORT = "expected a port number, 0 to 65535 (0: any free port)";

const schema = z.object({
  port: flag(z.coerce.number({ error: PORT }).int(PORT).min(0, PORT).max(65535, PORT).default(8000), "Port", "<port>"),
  host: flag(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.:-]+$/, "expected an IP address or a host name, e.g. 127.0.0.1 or 0.0.0.0")
      .default("127.0.0.1"),
    "Interface to bind (0.0.0.0 for containers)",
    "<host>",
  ),
  ...scheduleFlags,
  sources: flag(z.string().default("data/sources"), "With --every or --cron only: the folder the scheduled runs read (it must exist)", "<dir>"),
});

export type ServeOptions = z.input<typeof schema>;

export const serve = defineCommand({
  usage: "serve",
  description: "Serve the gold tables over HTTP (OpenAPI docs at /docs); with --every or --cron, also run the pipeline on that schedule",
  options: schema,
  examples: ["elt serve", "elt serve --every 15m --sources data/sources"],
  run: serveCommand,
});

/**
 * Serves the API until SIGINT or SIGTERM, then closes the store and answers 0. With a schedule,
 * the same process runs the pipeline at its ticks; a stop cancels a run in progress first.
 * `choosePort`: how the user picks another port when this one is taken (listen.ts).
 */
export async function serveCommand(raw: ServeOptions, choosePort?: string): Promise<number> {
  const opts = parseOptions(schema, raw);
  const { scheduleOf } = await import("../schedule/schedule.ts");
  const schedule = scheduleOf(opts);
  // Told rather than ignored: without a schedule nothing reads the folder.
  if (!schedule && raw.sources !== undefined) throw new UsageError("--sources: only with --every or --cron (the folder the scheduled runs read)");
  if (schedule) requireSourcesFolder(opts.every ? "--every" : "--cron", opts.sources);
  // Loaded when the command runs: Elysia is the slowest module to load.
  const { createApp } = await import("../api/app.ts");
  const config = loadConfig();
  const secrets = secretsOf(config);
  const store = await openServingStore(config);
  const { openObjectStore } = await import("../storage/open.ts");
  const { runHistory } = await import("../flows/run-history.ts");
  const { finishUnfinishedPublish } = await import("../flows/unfinished-publish.ts");
  const objects = await openObjectStore(config);
  const access = bufferedLines((text) => process.stdout.write(text));
  // Access lines still pending go first: stdout stays in the order things happened.
  const out = (line: string) => {
    access.flush();
    process.stdout.write(`${line}\n`);
  };
  const log = (line: string) => out(`${new Date().toISOString()} ${line}`);
  const stop = new AbortController();
  // Read before serving: a bad threshold in elt.toml is a configuration error, not a failed run.
  const runs = schedule ? await scheduledRuns(schedule, opts.sources, config, stop.signal, log) : undefined;
  let scheduled: Promise<unknown> | undefined;
  try {
    // Before anything reads the lake: a gold publish a killed run left half-done is finished.
    // Not fatal: the API serves the serving store, which an object store down does not stop.
    await finishUnfinishedPublish(objects, "elt serve").then(
      (publish) => publish.state === "finished" && out(`finished the publish of gold run ${publish.run} that a killed process left half-done`),
      (err) => out(`warning: could not check the lake for an unfinished gold publish: ${redact(errorLine(err), secrets)}`),
    );
    const server = listen(
      createApp({
        store,
        apiKey: config.apiKey,
        secrets,
        runs: runHistory(objects),
        schedule: runs && (() => runs.status),
        log: (line) => access.log(`${isoNow()} ${line}`),
      }),
      opts.host,
      opts.port,
      choosePort,
    );
    out(`elt API on ${server.url} (docs: ${server.url}/docs, console: ${server.url}/ui), serving ${store.kind} ${store.location}`);
    if (config.apiKey) out("an API key is required (x-api-key or Authorization: Bearer) on every endpoint but /health, /docs and the console at /ui (which asks for the key)");
    // Listened for before the first run starts: a Ctrl-C must cancel it, not kill the process mid-run.
    const stopped = new Promise<string>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    // Once the API answers and any half-done publish is finished: the first run may start at once.
    scheduled = runs?.start().catch((err) => log(`warning: the schedule stopped: ${redact(errorLine(err), secrets)}`));
    out("press Ctrl-C to stop");
    // Not fatal: the API answers 503 until the store is back, and recovers on its own.
    await store.ping().catch((err) => out(`warning: the serving store does not answer yet: ${redact(errorLine(err), secrets)}`));
    const signal = await stopped;
    out(`${signal}: stopping`);
    stop.abort(signal);
    await scheduled;
    await server.stop();
    // Access lines are written just after each response; let the last ones out before exiting.
    await new Promise((resolve) => setImmediate(resolve));
    access.flush();
    return 0;
  } finally {
    await store.close();
    await objects.close?.();
  }
}

/** The schedule's runs in this process, once started and until `signal` aborts: normal runs, each told in one line. */
async function scheduledRuns(schedule: Schedule, sources: string, config: Config, signal: AbortSignal, log: (line: string) => void) {
  const { loadProjectConfig } = await import("../config/project.ts");
  const { resolveThresholds } = await import("../quality/thresholds.ts");
  const { LAYERS } = await import("../flows/layers.ts");
  const { repeatRuns } = await import("../flows/schedule.ts");
  const { runOnce } = await import("./run-once.ts");
  const quality = { thresholds: resolveThresholds(loadProjectConfig().quality, undefined), enforce: true };
  const status: ScheduleStatus = { expression: schedule.expression, next_run: null, last_run_id: null };
  const start = () =>
    repeatRuns({
      when: schedule,
      run: async (trigger, runSignal) => {
        const { record } = await runOnce({
          layers: LAYERS,
          sources,
          force: false,
          taskTimeoutMs: 120 * 60_000,
          quality,
          config,
          holder: `elt serve ${schedule.expression}`,
          wait: false,
          output: "quiet",
          signal: runSignal,
          trigger,
        });
        if (record) log(`run ${record.id} ${record.state}${record.error ? `: ${record.error}` : ""} (${trigger})`);
        return record;
      },
      config,
      flow: "all",
      parameters: { layers: LAYERS, sources, force: false },
      signal,
      status,
      onNext: (tick) => log(`next run at ${tick.toISOString()} (${schedule.expression})`),
      onSkipped: (record) => log(`run ${record.id} skipped: ${record.reason} (${record.trigger})`),
      onError: (err) => log(`warning: a scheduled run could not run: ${redact(errorLine(err), secretsOf(config))}`),
    });
  return { status, start };
}
