import { EltError, StoreError } from "../core/errors.ts";
import { finishPublish, readPublishing } from "../pipeline/gold/versions.ts";
import { acquireLock } from "../runner/lock.ts";
import type { ObjectStore } from "../storage/object-store.ts";

/**
 * For the commands that open the lake without running the pipeline (`elt doctor`, `elt serve`):
 * a gold publish left unfinished by a dead process is finished under the lake's lock; one whose
 * process still holds the lock is in progress and left to it.
 */
export type UnfinishedPublish =
  | { state: "none" }
  | { state: "finished"; run: string }
  | { state: "in progress"; run: string; holder: string };

export async function finishUnfinishedPublish(store: ObjectStore, holder: string): Promise<UnfinishedPublish> {
  const marker = await readPublishing(store);
  if (!marker) return { state: "none" };
  let lock;
  try {
    lock = await acquireLock(store, holder, { wait: false });
  } catch (err) {
    // The lock's refusal is an EltError of its own; a store that fails is not a holder.
    if (!(err instanceof EltError) || err instanceof StoreError) throw err;
    return { state: "in progress", run: marker.run_id, holder: err.message };
  }
  try {
    const run = await finishPublish(store);
    return run === null ? { state: "none" } : { state: "finished", run };
  } finally {
    await lock.release();
  }
}
