import { z } from "zod";
import { loadConfig } from "../config/environment.ts";
import { UsageError } from "../core/errors.ts";
import type { SourceMode } from "../dashboard/data.ts";
import type { Size } from "../dashboard/render.ts";
import { listRuns } from "../runner/run-store.ts";
import { openServingStore } from "../serving/registry/open.ts";
import type { ServingStore } from "../serving/serving-store.ts";
import { openObjectStore } from "../storage/open.ts";
import { wantsColor } from "../ui/color.ts";
import { defineCommand, flag } from "./command.ts";
import { parseOptions, wholeNumber } from "./options.ts";

const schema = z
  .object({
    api: flag(
      z.url({ protocol: /^https?$/, error: "expected an http(s) URL such as http://localhost:8000" }).optional(),
      "Read this API (default: API_URL)",
      "<url>",
    ),
    local: flag(z.boolean().default(false), "Read the embedded serving store directly"),
    once: flag(z.boolean().default(false), "Print one frame and exit (the default when stdout is not a terminal)"),
    width: flag(wholeNumber(40, 1000).optional(), "Frame width with --once", "<cols>"),
    height: flag(wholeNumber(15, 1000).optional(), "Frame height with --once", "<rows>"),
    refresh: flag(
      z.coerce.number().min(1, "expected at least 1 second").max(86_400, "expected at most 86400 seconds (a day)").optional(),
      "Reload the data every N seconds",
      "<seconds>",
    ),
    color: flag(z.boolean().default(true), "No colours (NO_COLOR is honoured too)"),
  })
  .refine((o) => !(o.api && o.local), "--api and --local cannot be used together: --api reads an API, --local the serving store");

export const dashboard = defineCommand({
  usage: "dashboard",
  description: "The business dashboard in the terminal",
  options: schema,
  run: dashboardCommand,
});

/** Run records shown in the pipeline view: more than a tall terminal has lines for. */
const RUNS_SHOWN = 30;
/** The frame size of `--once` when neither the options nor a terminal say. */
const DEFAULT_SIZE: Size = { width: 120, height: 40 };

export async function dashboardCommand(raw: z.input<typeof schema>): Promise<number> {
  const opts = parseOptions(schema, raw);
  const interactive = !opts.once && process.stdout.isTTY === true && process.stdin.isTTY === true;
  if (interactive && (opts.width !== undefined || opts.height !== undefined)) {
    throw new UsageError("--width and --height apply to --once: the live dashboard follows the terminal's size");
  }
  // Loaded when the command runs, not with the declaration.
  const [{ loadDashboard, loadServed }, { renderFrame }, { runTui }] = await Promise.all([
    import("../dashboard/data.ts"),
    import("../dashboard/render.ts"),
    import("../dashboard/tui.ts"),
  ]);
  const config = loadConfig();
  const color = wantsColor({ flag: opts.color, isTTY: process.stdout.isTTY });
  const mode: SourceMode = opts.local
    ? { kind: "local" }
    : { kind: opts.api ? "api" : "auto", url: opts.api ?? config.apiUrl, apiKey: config.apiKey };

  // Opened on first use: a dashboard reading the API never touches the serving store.
  let serving: Promise<ServingStore> | undefined;
  const openLocal = () => (serving ??= openServingStore(config, { create: false }));
  const objects = await openObjectStore(config);
  const load = () => loadDashboard(() => loadServed(mode, openLocal), () => listRuns(objects, { limit: RUNS_SHOWN }));
  try {
    const initial = await load();
    if (interactive) return await runTui({ initial, load, color, refreshSeconds: opts.refresh });
    const tty = process.stdout.isTTY === true;
    const size: Size = {
      width: opts.width ?? (tty ? process.stdout.columns : DEFAULT_SIZE.width),
      height: opts.height ?? (tty ? process.stdout.rows : DEFAULT_SIZE.height),
    };
    const view = { view: "overview", granularity: "day", now: Date.now() } as const;
    process.stdout.write(`${renderFrame(initial, view, size, color)}\n`);
    return 0;
  } finally {
    await serving?.then((s) => s.close(), () => undefined);
    await objects.close?.();
  }
}
