import { z } from "zod";
import { loadConfig } from "../config.ts";
import { EltError } from "../errors.ts";
import { goldVersions, publishVersion } from "../pipeline/gold/versions.ts";
import { readState, writeState } from "../pipeline/layer-state.ts";
import { acquireLock } from "../runner/lock.ts";
import { exportGold } from "../serving/export.ts";
import { openServingStore } from "../serving/open.ts";
import { openObjectStore } from "../storage/open.ts";
import { parseOptions } from "./options.ts";

const schema = z.object({ run: z.string().optional(), wait: z.boolean().default(false), json: z.boolean().default(false) });

/**
 * Brings back the gold tables of an earlier run: copied over the latest keys, then loaded
 * into the serving store, so the API serves them too. Holds the lake's lock like a run.
 */
export async function rollbackCommand(raw: z.input<typeof schema>): Promise<number> {
  const opts = parseOptions(schema, raw);
  const config = loadConfig();
  const store = await openObjectStore(config);
  const lock = await acquireLock(store, "elt rollback", {
    wait: opts.wait,
    onWait: (holder) => process.stderr.write(`waiting for the lake's lock, held by ${holder}...\n`),
  });
  try {
    const versions = await goldVersions(store);
    const current = await readState(store, "gold");
    const target = opts.run ? matching(versions, opts.run) : versions.find((v) => v < (current?.run_id ?? ""));
    if (!target) throw new EltError("no earlier gold version to roll back to (see `elt runs`)");
    // Written first: if the copy fails half-way, the next `elt run gold` rebuilds rather than
    // trusting a state that no longer matches the tables.
    await writeState(store, "gold", {
      inputs: {},
      run_id: target,
      published_at: new Date().toISOString(),
      outputs: [],
      summary: { rolled_back_from: current?.run_id ?? null },
    });
    await publishVersion(store, target);
    const serving = await openServingStore(config);
    try {
      const metas = await exportGold(store, serving, `rollback-${target}`);
      const result = { restored: target, previous: current?.run_id ?? null, serving: serving.location, tables: metas.length };
      process.stdout.write(
        opts.json
          ? JSON.stringify(result) + "\n"
          : `gold tables of run ${target} published again and loaded into ${serving.location}\n`,
      );
      return 0;
    } finally {
      await serving.close();
    }
  } finally {
    await lock.release();
  }
}

function matching(versions: string[], ref: string): string {
  const found = versions.filter((v) => v === ref || v.startsWith(ref) || v.endsWith(ref));
  if (found.length === 1 || found.includes(ref)) return found.includes(ref) ? ref : found[0]!;
  throw new EltError(
    found.length
      ? `"${ref}" matches several gold versions (${found.join(", ")}): give more of the run id`
      : `no sealed gold version of run "${ref}" (kept: ${versions.join(", ") || "none"})`,
  );
}
