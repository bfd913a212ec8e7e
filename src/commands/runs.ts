import kleur from "kleur";
import { z } from "zod";
import { loadConfig } from "../config.ts";
import { listRuns } from "../runner/run-store.ts";
import { rowsOf, type RunRecord } from "../runner/record.ts";
import { openObjectStore } from "../storage/open.ts";
import { count, seconds } from "../ui/progress.ts";
import { defineCommand, flag } from "./command.ts";
import { parseOptions } from "./options.ts";

const schema = z.object({
  limit: flag(z.coerce.number().int().min(1).max(1000).default(20), "How many", "<n>"),
  flow: flag(z.string().optional(), "Only runs of this flow (all, bronze, silver+gold, ...)", "<name>"),
  json: flag(z.boolean().default(false), "Print the run records as JSON"),
});

export const runs = defineCommand({
  usage: "runs",
  description: "List recent runs",
  options: schema,
  run: runsCommand,
});

const STATE_COLOR: Record<RunRecord["state"], (s: string) => string> = {
  succeeded: kleur.green,
  failed: kleur.red,
  running: kleur.cyan,
  incomplete: kleur.yellow,
};

export async function runsCommand(raw: z.input<typeof schema>): Promise<number> {
  const opts = parseOptions(schema, raw);
  const store = await openObjectStore(loadConfig());
  const runs = await listRuns(store, opts.limit, opts.flow);
  if (opts.json) {
    process.stdout.write(JSON.stringify(runs, null, 2) + "\n");
    return 0;
  }
  if (runs.length === 0) {
    process.stdout.write(`no runs yet in ${store.location} (start one with \`elt run --all\`)\n`);
    return 0;
  }
  const header = ["RUN", "FLOW", "STATE", "STARTED", "DURATION", "ROWS"];
  const rows = runs.map((r) => [
    r.id,
    r.flow,
    r.state,
    r.started_at.replace("T", " ").slice(0, 19),
    r.duration_ms === undefined ? "—" : seconds(r.duration_ms),
    count(rowsOf(r)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[], color = (i: number, s: string) => s) =>
    cells.map((c, i) => color(i, i >= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  process.stdout.write(kleur.bold(line(header)) + "\n");
  runs.forEach((r, n) => {
    process.stdout.write(line(rows[n]!, (i, s) => (i === 2 ? STATE_COLOR[r.state](s) : s)) + "\n");
  });
  return 0;
}
