import kleur from "kleur";
import { z } from "zod";
import { loadConfig } from "../config.ts";
import { EltError } from "../errors.ts";
import type { LogLine } from "../runner/record.ts";
import { readLogs, readRun, resolveRunId } from "../runner/run-store.ts";
import { openObjectStore } from "../storage/open.ts";
import { defineCommand, flag } from "./command.ts";
import { parseOptions } from "./options.ts";

const schema = z.object({
  run: z.string().min(1, "name a run (see `elt runs`)"),
  json: flag(z.boolean().default(false), "Print JSON lines"),
});

export const logs = defineCommand({
  usage: "logs <run>",
  description: "Print a run's logs (a run id, or a unique part of it)",
  options: schema,
  run: logsCommand,
});

const LEVEL: Record<LogLine["level"], (s: string) => string> = {
  debug: kleur.dim,
  info: kleur.blue,
  warn: kleur.yellow,
  error: kleur.red,
};

export async function logsCommand(raw: z.input<typeof schema>): Promise<number> {
  const opts = parseOptions(schema, raw);
  const store = await openObjectStore(loadConfig());
  const id = await resolveRunId(store, opts.run);
  if (!id) throw new EltError(`no run matches "${opts.run}" in ${store.location} (see \`elt runs\`)`);
  const lines = await readLogs(store, id);
  if (opts.json) {
    for (const l of lines) process.stdout.write(JSON.stringify(l) + "\n");
    return 0;
  }
  const record = await readRun(store, id);
  if (record) process.stdout.write(kleur.bold(`run ${id} (${record.flow}, ${record.state})`) + "\n");
  for (const { ts, level, task, msg, ...fields } of lines) {
    const extra = Object.keys(fields).length ? kleur.dim(` ${JSON.stringify(fields)}`) : "";
    process.stdout.write(`${kleur.dim(ts)} ${LEVEL[level](level.padEnd(5))} ${task ? `${task}: ` : ""}${msg}${extra}\n`);
  }
  return 0;
}
