import { EltError } from "../../errors.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import { listAll } from "../../storage/object-store.ts";
import { goldKeys as keys } from "../../contract/lake.ts";
import { GOLD_TABLE_NAMES } from "../../contract/gold-tables.ts";

/**
 * Every gold run's tables are kept under `_versions/<run>/`, sealed by a `_complete.json`
 * written last: only sealed versions are published or offered to `elt rollback`, so a run
 * killed half-way through writing its version can never be published.
 */

/** How many sealed versions are kept; older ones are pruned after each publish. */
export const VERSIONS_KEPT = 10;

export const ALL_GOLD_KEYS = GOLD_TABLE_NAMES.flatMap(keys.table);
const versionKey = keys.version;
const SEAL = keys.seal;

export async function sealVersion(store: ObjectStore, runId: string, rows: Record<string, number>): Promise<void> {
  await store.put("gold", versionKey(runId, SEAL), JSON.stringify({ run_id: runId, sealed_at: new Date().toISOString(), rows }));
}

/** Copies a sealed version over the latest keys, after checking every table of it is there. */
export async function publishVersion(store: ObjectStore, runId: string): Promise<void> {
  for (const key of [SEAL, ...ALL_GOLD_KEYS]) {
    if (!(await store.stat("gold", versionKey(runId, key)))) {
      throw new EltError(`gold version ${runId} is incomplete (no ${key}): it cannot be published`);
    }
  }
  for (const key of ALL_GOLD_KEYS) await store.copy("gold", versionKey(runId, key), "gold", key);
}

/** Every run with something under `_versions/`, and whether it is sealed. */
async function versionRuns(store: ObjectStore): Promise<Map<string, boolean>> {
  const runs = new Map<string, boolean>();
  for await (const info of listAll(store, "gold", keys.versionsPrefix)) {
    const [, run, file] = info.key.split("/");
    runs.set(run!, runs.get(run!) === true || file === SEAL);
  }
  return runs;
}

/** Sealed versions, newest first. */
export async function goldVersions(store: ObjectStore): Promise<string[]> {
  const runs = await versionRuns(store);
  return [...runs].filter(([, sealed]) => sealed).map(([run]) => run).sort().reverse();
}

/** Deletes sealed versions beyond the newest `keep`, and unsealed ones other than `current`'s. */
export async function pruneVersions(store: ObjectStore, current: string, keep = VERSIONS_KEPT): Promise<void> {
  const runs = await versionRuns(store);
  const sealed = [...runs].filter(([, s]) => s).map(([run]) => run).sort().reverse();
  const doomed = new Set([
    ...sealed.slice(keep),
    ...[...runs].filter(([run, s]) => !s && run !== current).map(([run]) => run),
  ]);
  for (const run of doomed) {
    for await (const info of listAll(store, "gold", versionKey(run, ""))) await store.delete("gold", info.key);
  }
}
