import { secretsOf } from "../config/environment.ts";
import { errorLine } from "../core/errors.ts";
import { redact } from "../core/redact.ts";
import { repeatRuns } from "../flows/schedule.ts";
import type { Schedule } from "../schedule/schedule.ts";
import { runOnce, type OneRun } from "./run-once.ts";

/**
 * `elt run --all --every/--cron/--watch`: normal runs, one at a time, until Ctrl-C or SIGTERM.
 * Between runs it says when the next one starts. With --json, standard output carries only the
 * records, one JSON line each (the runs' and the skipped ticks'), and the rest goes to stderr.
 */
export interface RepeatedRun {
  when: Schedule | { watch: readonly string[] };
  /** Every run's settings; `output` is chosen here. */
  one: Omit<OneRun, "output" | "trigger" | "holder" | "signal">;
  json: boolean;
  holder: string;
  signal: AbortSignal;
}

const utc = (date: Date) => `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;

export async function runRepeatedly(o: RepeatedRun): Promise<void> {
  const say = (line: string) => (o.json ? process.stderr : process.stdout).write(`${line}\n`);
  const what = "watch" in o.when ? `watching ${o.when.watch.join(" and ")}` : o.when.expression;
  await repeatRuns({
    when: o.when,
    run: async (trigger, signal) =>
      (await runOnce({ ...o.one, output: o.json ? "json-line" : "summary", trigger, holder: o.holder, signal })).record,
    config: o.one.config,
    flow: "all",
    parameters: { layers: o.one.layers, sources: o.one.sources, force: o.one.force },
    signal: o.signal,
    status: { expression: what, next_run: null, last_run_id: null },
    onNext: (tick) => say(`next run at ${utc(tick)} (${what}); Ctrl-C stops`),
    onWatching: () => say(`${what}: a change starts a run once both files have stayed the same for 1 s; Ctrl-C stops`),
    onSkipped: (record) =>
      o.json ? process.stdout.write(JSON.stringify(record) + "\n") : say(`skipped the tick at ${utc(new Date(record.started_at))}: ${record.reason}`),
    onError: (err) => process.stderr.write(`warning: a run could not run: ${redact(errorLine(err), secretsOf(o.one.config))}; the runs go on\n`),
  });
}
