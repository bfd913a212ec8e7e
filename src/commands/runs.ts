import kleur from "kleur";
import { z } from "zod";
import { loadConfig } from "../config/environment.ts";
import { checksOf } from "../quality/gate.ts";
import { EltError, UsageError } from "../core/errors.ts";
import { runOutputs } from "../runner/outputs.ts";
import { listRuns, readRun } from "../runner/run-store.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { renderRunDetail } from "../ui/run-detail.ts";
import { runOf } from "./logs.ts";
import { RUN_STATES as STATES, runRows, type RunRecord } from "../runner/record.ts";
import { openObjectStore } from "../storage/open.ts";
import { NONE, formatInt } from "../ui/format.ts";
import { seconds } from "../ui/progress.ts";
import { defineCommand, flag } from "./command.ts";
import { LOOKING_RETRY_MS, parseOptions, wholeNumber } from "./options.ts";

const schema = z.object({
  limit: flag(wholeNumber(1, 1000).default(20), "How many", "<n>"),
  flow: flag(z.string().optional(), "Only runs of this flow (all, bronze, silver+gold, ...)", "<name>"),
  state: flag(z.enum(STATES, { error: `expected one of ${STATES.join(", ")}` }).optional(), `Only runs in this state (${STATES.join(", ")})`, "<state>"),
  // `elt runs show RUN`: positional, so a part of an id that looks like a number stays text.
  action: z.enum(["show"], { error: "the only action is `show RUN` (elt runs show 20261101T)" }).optional(),
  run: z.string().min(1, "name a run (see `elt runs`)").optional(),
  json: flag(z.boolean().default(false), "Print the run records as JSON"),
});

export const runs = defineCommand({
  usage: "runs [action] [run]",
  description: "List recent runs; `runs show RUN`: one run in full (its id or any part of it): parameters, tasks as a timeline, rows, rejects, checks, outputs, error",
  options: schema,
  examples: ["elt runs --state failed", "elt runs show 20261101T", "elt runs show all-x1y2 --json"],
  run: runsCommand,
});

const STATE_COLOR: Record<RunRecord["state"], (s: string) => string> = {
  succeeded: kleur.green,
  failed: kleur.red,
  running: kleur.cyan,
  cancelled: kleur.yellow,
  incomplete: kleur.yellow,
  skipped: kleur.dim,
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
  const store = await openObjectStore(loadConfig(), { retryBudgetMs: LOOKING_RETRY_MS });
  if (opts.action === "show") {
    if (opts.run === undefined) throw new UsageError("runs show: name a run, its id or any part of it (see `elt runs`)");
    return showRun(store, opts.run, opts.json);
  }
  if (opts.run !== undefined) throw new UsageError(`runs: unexpected "${opts.run}"; to see one run: elt runs show RUN`);
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
  const header = ["RUN", "FLOW", "STATE", "STARTED", "DURATION", "READ", "KEPT", "PUBLISHED", "CHECKS", "TRIGGER"];
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
      // A person started it when no schedule or watch did.
      r.trigger ?? NONE,
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

/** One run in full; `--json`: its record with the addresses of the files it wrote. */
async function showRun(store: ObjectStore, ref: string, json: boolean): Promise<number> {
  const record = await readRun(store, await runOf(store, ref));
  if (!record) throw new EltError(`run ${ref} has no record in ${store.location}`);
  const outputs = runOutputs(record, store.handle);
  process.stdout.write(json ? JSON.stringify({ ...record, outputs }, null, 2) + "\n" : renderRunDetail(record, outputs));
  return 0;
}
