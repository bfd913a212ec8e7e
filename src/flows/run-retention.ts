import { secretsOf, type Config } from "../config/environment.ts";
import { errorLine } from "../core/errors.ts";
import { redact } from "../core/redact.ts";
import { goldVersions } from "../pipeline/gold/versions.ts";
import { pruneRuns } from "../runner/run-store.ts";
import type { ObjectStore } from "../storage/object-store.ts";

/**
 * After a run, while it still holds the lake's lock: the run records beyond the newest
 * `ELT_KEEP_RUNS` go, but the runs whose gold versions `elt rollback` still offers, so that
 * `elt runs show` answers for every version that can be restored. A prune that fails costs
 * the run nothing: it is a warning, and the next run prunes again. Only a run that succeeded
 * prunes: a cancelled one is to end at once, and a failed one may have lost its store.
 */
export async function pruneRunHistory(store: ObjectStore, config: Config, warn: (message: string) => void): Promise<void> {
  if (!Number.isFinite(config.keepRuns)) return;
  try {
    await pruneRuns(store, config.keepRuns, new Set(await goldVersions(store)));
  } catch (err) {
    warn(`old run records were not pruned to the newest ${config.keepRuns} (ELT_KEEP_RUNS): ${redact(errorLine(err), secretsOf(config))}; the next run tries again`);
  }
}
