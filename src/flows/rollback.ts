import { secretsOf, type Config } from "../config/environment.ts";
import { UsageError } from "../core/errors.ts";
import { exportGold } from "../pipeline/export.ts";
import { goldVersions, publishVersion, readPublishing } from "../pipeline/gold/versions.ts";
import { readState } from "../pipeline/layer-state.ts";
import { runFlow, type Task } from "../runner/flow.ts";
import { acquireLock, type LockOptions } from "../runner/lock.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { openObjectStore } from "../storage/open.ts";
import { withServingStore } from "./serving.ts";

export interface Rollback {
  config: Config;
  /** A run id or a unique part of it; by default the version before the one published. */
  run?: string;
  /** Who holds the lake's lock meanwhile. */
  holder: string;
  lock: LockOptions;
}

export interface RollbackResult {
  restored: string;
  previous: string | null;
  serving: string;
  tables: number;
}

/**
 * Brings back the gold tables of an earlier run: copied over the latest keys, then loaded
 * into the serving store, so the API serves them too. Holds the lake's lock like a run, and is
 * recorded as a run of flow `rollback` (its one task's metrics say what was restored), so
 * `elt runs` shows it among the runs that changed what is published.
 */
export async function rollbackGold(o: Rollback): Promise<RollbackResult> {
  const store = await openObjectStore(o.config);
  try {
    const lock = await acquireLock(store, o.holder, o.lock);
    let result: RollbackResult | undefined;
    let failure: unknown;
    try {
      // Before the flow starts: naming nothing to restore is a usage error, not a failed rollback in the history.
      const target = await targetOf(store, o.run);
      const task: Task = {
        name: "rollback",
        async run(ctx) {
          try {
            result = await restore(store, o.config, target, (message) => ctx.log("warn", message));
          } catch (err) {
            failure = err; // rethrown as it was: its exit code and message are the command's
            throw err;
          }
          ctx.report({ metrics: { ...result } });
        },
      };
      await runFlow({ name: "rollback", tasks: [task], parameters: { run: o.run ?? "the version before the latest" } }, { store, secrets: secretsOf(o.config) });
    } finally {
      await lock.release();
    }
    if (failure !== undefined) throw failure;
    return result!;
  } finally {
    await store.close?.();
  }
}

interface Target {
  /** The run whose sealed gold version is published again. */
  run: string;
  /** The run published now, if any. */
  current: string | null;
}

async function targetOf(store: ObjectStore, ref: string | undefined): Promise<Target> {
  const versions = await goldVersions(store);
  // A publish a dead process left unfinished counts as the latest: rolling back from it
  // undoes it, and this publish replaces its marker.
  const current = ((await readPublishing(store))?.state ?? (await readState(store, "gold")))?.run_id ?? null;
  const run = ref ? matching(versions, ref) : versions.find((v) => v < (current ?? ""));
  if (!run) throw new UsageError("no earlier gold version to roll back to (see `elt runs`)");
  return { run, current };
}

async function restore(store: ObjectStore, config: Config, target: Target, onWarning: (message: string) => void): Promise<RollbackResult> {
  // No inputs: the next `elt run gold` rebuilds from silver rather than trusting these tables.
  await publishVersion(store, target.run, {
    inputs: {},
    run_id: target.run,
    published_at: new Date().toISOString(),
    outputs: [],
    summary: { rolled_back_from: target.current },
  });
  return await withServingStore(config, async (serving) => {
    const metas = await exportGold(store, serving, `rollback-${target.run}`, { onWarning });
    return { restored: target.run, previous: target.current, serving: serving.location, tables: metas.length };
  });
}

function matching(versions: string[], ref: string): string {
  const found = versions.filter((v) => v === ref || v.startsWith(ref) || v.endsWith(ref));
  if (found.length === 1 || found.includes(ref)) return found.includes(ref) ? ref : found[0]!;
  throw new UsageError(
    found.length
      ? `"${ref}" matches several gold versions (${found.join(", ")}): give more of the run id`
      : `no sealed gold version of run "${ref}" (kept: ${versions.join(", ") || "none"})`,
  );
}
