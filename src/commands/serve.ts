import { z } from "zod";
import { bufferedLines } from "../api/access-log.ts";
import { listen } from "../api/listen.ts";
import { loadConfig, secretsOf } from "../config/environment.ts";
import { redact } from "../core/redact.ts";
import { errorLine } from "../core/errors.ts";
import { openServingStore } from "../serving/registry/open.ts";
import { defineCommand, flag } from "./command.ts";
import { parseOptions } from "./options.ts";

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
});

export type ServeOptions = z.input<typeof schema>;

export const serve = defineCommand({
  usage: "serve",
  description: "Serve the gold tables over HTTP (OpenAPI docs at /docs)",
  options: schema,
  run: serveCommand,
});

/** Serves the API until SIGINT or SIGTERM, then closes the store and answers 0. */
export async function serveCommand(raw: ServeOptions): Promise<number> {
  const opts = parseOptions(schema, raw);
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
  try {
    // Before anything reads the lake: a gold publish a killed run left half-done is finished.
    // Not fatal: the API serves the serving store, which an object store down does not stop.
    await finishUnfinishedPublish(objects, "elt serve").then(
      (publish) => publish.state === "finished" && out(`finished the publish of gold run ${publish.run} that a killed process left half-done`),
      (err) => out(`warning: could not check the lake for an unfinished gold publish: ${redact(errorLine(err), secrets)}`),
    );
    const server = listen(
      createApp({ store, apiKey: config.apiKey, secrets, runs: runHistory(objects), log: (line) => access.log(`${new Date().toISOString()} ${line}`) }),
      opts.host,
      opts.port,
    );
    out(`elt API on ${server.url} (docs: ${server.url}/docs, console: ${server.url}/ui), serving ${store.kind} ${store.location}`);
    if (config.apiKey) out("an API key is required (x-api-key or Authorization: Bearer) on every endpoint but /health and /docs");
    out("press Ctrl-C to stop");
    // Not fatal: the API answers 503 until the store is back, and recovers on its own.
    await store.ping().catch((err) => out(`warning: the serving store does not answer yet: ${redact(errorLine(err), secrets)}`));
    const signal = await new Promise<string>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    out(`${signal}: stopping`);
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
