import { z } from "zod";
import { loadConfig } from "../config.ts";
import { UsageError } from "../errors.ts";
import { loadDashboard, loadServed, type SourceMode } from "../dashboard/data.ts";
import { renderFrame, type Size } from "../dashboard/render.ts";
import { runTui } from "../dashboard/tui.ts";
import { listRuns } from "../runner/run-store.ts";
import { openServingStore } from "../serving/open.ts";
import type { ServingStore } from "../serving/serving-store.ts";
import { openObjectStore } from "../storage/open.ts";
import { wantsColor } from "../ui/color.ts";
import { parseOptions } from "./options.ts";

const between = (min: number, max: number) =>
  z.coerce.number().int(`expected a whole number from ${min} to ${max}`).min(min, `expected at least ${min}`).max(max, `expected at most ${max}`);

const schema = z
  .object({
    api: z.url({ protocol: /^https?$/, error: "expected an http(s) URL such as http://localhost:8000" }).optional(),
    local: z.boolean().default(false),
    once: z.boolean().default(false),
    width: between(40, 1000).optional(),
    height: between(15, 1000).optional(),
    color: z.boolean().default(true),
    refresh: z.coerce.number().min(1, "expected at least 1 second").max(86_400, "expected at most 86400 seconds (a day)").optional(),
  })
  .refine((o) => !(o.api && o.local), "--api and --local cannot be used together: --api reads an API, --local the serving store");

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
  const config = loadConfig();
  const color = wantsColor({ flag: opts.color, isTTY: process.stdout.isTTY });
  const mode: SourceMode = opts.local
    ? { kind: "local" }
    : { kind: opts.api ? "api" : "auto", url: opts.api ?? config.apiUrl, apiKey: config.apiKey };

  // Opened on first use: a dashboard reading the API never touches the serving store.
  let serving: Promise<ServingStore> | undefined;
  const openLocal = () => (serving ??= openServingStore(config));
  const objects = await openObjectStore(config);
  const load = () => loadDashboard(() => loadServed(mode, openLocal), () => listRuns(objects, RUNS_SHOWN));
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
