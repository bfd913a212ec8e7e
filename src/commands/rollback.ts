import { z } from "zod";
import { loadConfig } from "../config.ts";
import { EltError } from "../errors.ts";
import { goldVersions, publishVersion } from "../pipeline/gold/index.ts";
import { readState, writeState } from "../pipeline/layer-state.ts";
import { exportGold } from "../serving/export.ts";
import { openServingStore } from "../serving/open.ts";
import { openObjectStore } from "../storage/open.ts";
import { parseOptions } from "./options.ts";

const schema = z.object({ run: z.string().optional(), json: z.boolean().default(false) });

/**
 * Brings back the gold tables of an earlier run: copied over the latest keys, then loaded
 * into the serving store, so the API serves them too.
 */
export async function rollbackCommand(raw: z.input<typeof schema>): Promise<number> {
  const opts = parseOptions(schema, raw);
  const config = loadConfig();
  const store = await openObjectStore(config);
  const versions = await goldVersions(store);
  const current = await readState(store, "gold");
  const target = opts.run
    ? versions.find((v) => v === opts.run || v.startsWith(opts.run!) || v.endsWith(opts.run!))
    : versions.find((v) => v !== current?.run_id && (!current || v < current.run_id));
  if (!target) {
    throw new EltError(
      opts.run
        ? `no gold version of run "${opts.run}" (kept versions: ${versions.join(", ") || "none"})`
        : "no earlier gold version to roll back to",
    );
  }
  await publishVersion(store, target);
  // Empty inputs: the next `elt run gold` rebuilds from silver instead of trusting this state.
  await writeState(store, "gold", {
    inputs: {},
    run_id: target,
    published_at: new Date().toISOString(),
    outputs: [],
    summary: { rolled_back_from: current?.run_id ?? null },
  });
  const serving = await openServingStore(config);
  try {
    const metas = await exportGold(store, serving, `rollback-${target}`);
    const result = { restored: target, previous: current?.run_id ?? null, serving: serving.location, tables: metas.length };
    process.stdout.write(
      opts.json ? JSON.stringify(result) + "\n" : `gold tables of run ${target} published again and loaded into ${serving.location}\n`,
    );
    return 0;
  } finally {
    await serving.close();
  }
}
