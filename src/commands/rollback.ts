import { z } from "zod";
import { loadConfig } from "../config.ts";
import { rollbackGold } from "../flows/rollback.ts";
import { lockNotices } from "./lock-notices.ts";
import { parseOptions } from "./options.ts";

const schema = z.object({ run: z.string().optional(), wait: z.boolean().default(false), json: z.boolean().default(false) });

export async function rollbackCommand(raw: z.input<typeof schema>): Promise<number> {
  const opts = parseOptions(schema, raw);
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
