import kleur from "kleur";
import { z } from "zod";
import { loadConfig } from "../config.ts";
import { checksOf } from "../quality/gate.ts";
import { listRuns } from "../runner/run-store.ts";
import { runRows, type RunRecord } from "../runner/record.ts";
import { openObjectStore } from "../storage/open.ts";
import { NONE, formatInt } from "../ui/format.ts";
import { seconds } from "../ui/progress.ts";
import { defineCommand, flag } from "./command.ts";
import { parseOptions } from "./options.ts";

const STATES = ["running", "succeeded", "failed", "cancelled", "incomplete"] as const satisfies readonly RunRecord["state"][];

const schema = z.object({
  limit: flag(z.coerce.number().int().min(1).max(1000).default(20), "How many", "<n>"),
  flow: flag(z.string().optional(), "Only runs of this flow (all, bronze, silver+gold, ...)", "<name>"),
  state: flag(z.enum(STATES, { error: `expected one of ${STATES.join(", ")}` }).optional(), `Only runs in this state (${STATES.join(", ")})`, "<state>"),
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
  cancelled: kleur.yellow,
  incomplete: kleur.yellow,
};

/** `12 ✔ 1 ⚠`: how the run's quality checks came out. */
function checksCell(r: RunRecord): string {
  const checks = checksOf(r);
  if (checks.length === 0) return NONE;
  const n = (o: string) => checks.filter((c) => c.outcome === o).length;
  return [`${n("passed")} ✔`, n("warned") ? `${n("warned")} ⚠` : "", n("failed") ? `${n("failed")} ✖` : ""].filter(Boolean).join(" ");
}

const rowsCell = (n: number | undefined) => (n === undefined ? NONE : formatInt(n));

export async function runsCommand(raw: z.input<typeof schema>): Promise<number> {
  const opts = parseOptions(schema, raw);
  const store = await openObjectStore(loadConfig());
  const runs = await listRuns(store, opts);
  if (opts.json) {
    process.stdout.write(JSON.stringify(runs, null, 2) + "\n");
    return 0;
  }
  if (runs.length === 0) {
    const which = opts.state || opts.flow ? " matching the filter" : "";
    process.stdout.write(`no runs${which} yet in ${store.location} (start one with \`elt run --all\`)\n`);
    return 0;
  }
  const header = ["RUN", "FLOW", "STATE", "STARTED", "DURATION", "READ", "KEPT", "PUBLISHED", "CHECKS"];
  const rows = runs.map((r) => {
    const counts = runRows(r);
    return [
      r.id,
      r.flow,
      r.state,
      r.started_at.replace("T", " ").slice(0, 19),
      r.duration_ms === undefined ? NONE : seconds(r.duration_ms),
      rowsCell(counts.read),
      rowsCell(counts.kept),
      rowsCell(counts.published),
      checksCell(r),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => Bun.stringWidth(row[i]!))));
  const pad = (c: string, i: number) => {
    const gap = " ".repeat(Math.max(0, widths[i]! - Bun.stringWidth(c)));
    return i >= 4 && i <= 7 ? gap + c : c + gap;
  };
  const line = (cells: string[], color = (_i: number, s: string) => s) => cells.map((c, i) => color(i, pad(c, i))).join("  ").trimEnd();
  process.stdout.write(kleur.bold(line(header)) + "\n");
  runs.forEach((r, n) => {
    process.stdout.write(line(rows[n]!, (i, s) => (i === 2 ? STATE_COLOR[r.state](s) : s)) + "\n");
  });
  return 0;
}
