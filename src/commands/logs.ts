import kleur from "kleur";
import { z } from "zod";
import { loadConfig } from "../config/environment.ts";
import { UsageError } from "../core/errors.ts";
import type { LogLine } from "../runner/record.ts";
import { listRuns, readLogs, readRun, resolveRunId } from "../runner/run-store.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { openObjectStore } from "../storage/open.ts";
import { defineCommand, flag } from "./command.ts";
import { LOOKING_RETRY_MS, parseOptions } from "./options.ts";

const schema = z.object({
  run: z.string().min(1, "name a run (see `elt runs`)").optional(),
  follow: flag(z.boolean().default(false), "Keep printing a running run's logs until it ends"),
  json: flag(z.boolean().default(false), "Print JSON lines"),
});

export const logs = defineCommand({
  usage: "logs [run]",
  description: "Print a run's logs (the latest run, or a run id or any part of it)",
  options: schema,
  examples: ["elt logs", "elt logs export", "elt logs 20261201T1030 --follow"],
  run: logsCommand,
});

const LEVEL: Record<LogLine["level"], (s: string) => string> = {
  debug: kleur.dim,
  info: kleur.blue,
  warn: kleur.yellow,
  error: kleur.red,
};

/** How often --follow looks for new lines. */
const FOLLOW_EVERY_MS = 500;

export async function runOf(store: ObjectStore, ref: string | undefined): Promise<string> {
  if (ref === undefined) {
    const [latest] = await listRuns(store, { limit: 1 });
    if (!latest) throw new UsageError(`no runs yet in ${store.location} (start one with \`elt run --all\`)`);
    return latest.id;
  }
  const match = await resolveRunId(store, ref);
  if (!match) throw new UsageError(`no run id contains "${ref}" in ${store.location} (see \`elt runs\`)`);
  if ("id" in match) return match.id;
  const shown = match.candidates.slice(0, 5).join(", ");
  const more = match.candidates.length > 5 ? ` and ${match.candidates.length - 5} more` : "";
  throw new UsageError(`"${ref}" names ${match.candidates.length} runs, give more of the id: ${shown}${more}`);
}

export async function logsCommand(raw: z.input<typeof schema>): Promise<number> {
  const opts = parseOptions(schema, raw);
  const store = await openObjectStore(loadConfig(), { retryBudgetMs: LOOKING_RETRY_MS });
  const id = await runOf(store, opts.run);
  const print = (l: LogLine) => {
    if (opts.json) return process.stdout.write(JSON.stringify(l) + "\n");
    const { ts, level, task, msg, ...fields } = l;
    const extra = Object.keys(fields).length ? kleur.dim(` ${JSON.stringify(fields)}`) : "";
    return process.stdout.write(`${kleur.dim(ts)} ${LEVEL[level](level.padEnd(5))} ${task ? `${task}: ` : ""}${msg}${extra}\n`);
  };
  const record = await readRun(store, id);
  if (record && !opts.json) process.stdout.write(kleur.bold(`run ${id} (${record.flow}, ${record.state})`) + "\n");
  let shown = 0;
  for (;;) {
    const lines = await readLogs(store, id);
    lines.slice(shown).forEach(print);
    shown = lines.length;
    // The record is read after the logs: a run that ended in between gets one more look.
    if (!opts.follow || (await readRun(store, id))?.state !== "running") break;
    await Bun.sleep(FOLLOW_EVERY_MS);
  }
  if (opts.follow) {
    const final = (await readLogs(store, id)).slice(shown);
    final.forEach(print);
  }
  return 0;
}
