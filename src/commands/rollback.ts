import { z } from "zod";
import { loadConfig } from "../config/environment.ts";
import { defineCommand, flag } from "./command.ts";
import { lockNotices } from "./lock-notices.ts";
import { parseOptions } from "./options.ts";

const schema = z.object({
  run: z.string().optional(),
  wait: flag(z.boolean().default(false), "Wait for a run on the same lake to finish instead of refusing"),
  json: flag(z.boolean().default(false), "Print the result as JSON"),
});

export const rollback = defineCommand({
  usage: "rollback [run]",
  description: "Publish again the gold tables of an earlier run (default: the one before the latest)",
  options: schema,
  run: rollbackCommand,
});

export async function rollbackCommand(raw: z.input<typeof schema>): Promise<number> {
  const opts = parseOptions(schema, raw);
  // Loaded when the command runs: gold's versions and the export read Parquet.
  const { rollbackGold } = await import("../flows/rollback.ts");
  const result = await rollbackGold({
    config: loadConfig(),
    run: opts.run,
    holder: "elt rollback",
    lock: lockNotices(opts.wait),
  });
  process.stdout.write(
    opts.json
      ? JSON.stringify(result) + "\n"
      : `gold tables of run ${result.restored} published again and loaded into ${result.serving}\n`,
  );
  return 0;
}
