import { z } from "zod";
import { loadConfig } from "../config/environment.ts";
import { checksOf } from "../quality/gate.ts";
import { checkHistory } from "../quality/history.ts";
import { listRuns } from "../runner/run-store.ts";
import { openObjectStore } from "../storage/open.ts";
import { NONE, formatNumber } from "../ui/format.ts";
import { defineCommand, flag } from "./command.ts";
import { LOOKING_RETRY_MS, parseOptions, wholeNumber } from "./options.ts";

const schema = z.object({
  limit: flag(wholeNumber(1, 1000).default(10), "How many recent runs that recorded checks", "<n>"),
  json: flag(z.boolean().default(false), "Print the history as JSON"),
});

export const checks = defineCommand({
  usage: "checks",
  description: "The quality checks' history: each check's value and outcome across recent runs",
  options: schema,
  run: checksCommand,
});

const MARK: Record<string, string> = { passed: "✔", warned: "⚠", failed: "✖", skipped: "·" };

export async function checksCommand(raw: z.input<typeof schema>): Promise<number> {
  const opts = parseOptions(schema, raw);
  const store = await openObjectStore(loadConfig(), { retryBudgetMs: LOOKING_RETRY_MS });
  // A schedule's skipped ticks record no checks: they take no place among the runs shown.
  const history = checkHistory(await listRuns(store, { limit: opts.limit, where: (record) => checksOf(record).length > 0 }));
  if (opts.json) {
    process.stdout.write(JSON.stringify(history, null, 2) + "\n");
    return 0;
  }
  if (history.length === 0) {
    process.stdout.write(`no checks recorded yet in ${store.location} (every \`elt run\` of silver or gold records its own)\n`);
    return 0;
  }
  for (const h of history) {
    const last = h.runs.at(-1)!;
    const bound = (b: number | false) => (b === false ? "off" : `${b}${h.unit === "%" ? " %" : ""}`);
    process.stdout.write(`${h.subject} ${h.check} (warn ${bound(last.warn)}, error ${bound(last.error)}), oldest first:\n`);
    for (const r of h.runs) {
      const value = r.value === null ? NONE : `${formatNumber(r.value, h.unit === "%" ? 1 : Number.isInteger(r.value) ? 0 : 2)}${h.unit ? ` ${h.unit}` : ""}`;
      process.stdout.write(`  ${MARK[r.outcome] ?? "?"} ${r.run_id}  ${value.padStart(10)}  ${r.outcome}\n`);
    }
  }
  return 0;
}
