import { createInterface } from "node:readline/promises";
import { createApp } from "../api/app.ts";
import { listen, type Listening } from "../api/listen.ts";
import { loadConfig, secretsOf } from "../config/environment.ts";
import { EltError } from "../core/errors.ts";
import { openServingStore } from "../serving/registry/open.ts";
import { dashboardCommand } from "./dashboard.ts";
import { refreshTestCommand } from "./refresh-test.ts";
import { serveCommand } from "./serve.ts";

/**
 * What the original `run_all.py` offered once the pipeline had run: start the API, measure
 * the refresh time, open the dashboard. Asked on a terminal only; `--serve` and `--dashboard`
 * do it without asking, and a script never gets a question.
 */
export interface AfterRun {
  serve: boolean;
  dashboard: boolean;
  /** Both stdin and stdout are terminals and the output is not --json. */
  interactive: boolean;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Where `--serve` and `--dashboard` listen: API_URL's port, on the loopback interface. */
export const AFTER_RUN_HOST = "127.0.0.1";
export const portOf = (apiUrl: string) => Number(new URL(apiUrl).port || 8000);
/** `elt run` has no --port: the API it starts listens where API_URL says. */
export const CHOOSE_API_URL_PORT = "elt run --serve listens on API_URL's port; set API_URL to another (e.g. API_URL=http://localhost:8001)";

export async function afterRun(o: AfterRun): Promise<number> {
  let { serve, dashboard } = o;
  if (!serve && !dashboard && o.interactive) {
    serve = dashboard = await confirm("\nStart the API, measure the refresh time and open the dashboard? [y/N] ");
  }
  if (!serve && !dashboard) return 0;
  const config = loadConfig();
  await refreshTestCommand({ spawn: true, iterations: 5 });
  if (!dashboard) return serveCommand({ port: portOf(config.apiUrl), host: AFTER_RUN_HOST }, CHOOSE_API_URL_PORT);

  const store = await openServingStore(config);
  let server: Listening;
  const app = () => createApp({ store, apiKey: config.apiKey, secrets: secretsOf(config) });
  try {
    server = listen(app(), AFTER_RUN_HOST, portOf(config.apiUrl));
  } catch (err) {
    // An `elt serve` already holds the port: the dashboard gets a server of its own anyway.
    if (!(err instanceof EltError)) throw err;
    server = listen(app(), AFTER_RUN_HOST, 0);
  }
  try {
    const code = await dashboardCommand({ api: server.url });
    if (!serve) return code;
    process.stderr.write(`API still serving on ${server.url} (docs: ${server.url}/docs); press Ctrl-C to stop\n`);
    await new Promise((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    return code;
  } finally {
    await server.stop();
    await store.close();
  }
}
