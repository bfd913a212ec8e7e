import { LAYER_STATE_KEY } from "../contract/lake.ts";
import type { Bucket, ObjectStore } from "../storage/object-store.ts";
import { readJsonOrNull } from "../storage/object-store.ts";

/**
 * What a layer last published and from which inputs (`<bucket>/_state.json`): a layer whose
 * inputs are unchanged since its last success is skipped, and the next layer fingerprints
 * its input by this record.
 */
export interface LayerState {
  /** Checksums and parameters the outputs were built from. */
  inputs: Record<string, string>;
  run_id: string;
  published_at: string;
  outputs: string[];
  summary: Record<string, unknown>;
}

const KEY = LAYER_STATE_KEY;

export function readState(store: ObjectStore, bucket: Bucket): Promise<LayerState | null> {
  return readJsonOrNull<LayerState>(store, bucket, KEY);
}

export async function writeState(store: ObjectStore, bucket: Bucket, state: LayerState): Promise<void> {
  await store.put(bucket, KEY, JSON.stringify(state, null, 2));
}

/** Why a layer can be skipped, or null when it must run. */
export async function unchangedReason(
  store: ObjectStore,
  bucket: Bucket,
  inputs: Record<string, string>,
): Promise<string | null> {
  const state = await readState(store, bucket);
  if (!state) return null;
  const same =
    Object.keys(inputs).length === Object.keys(state.inputs).length &&
    Object.entries(inputs).every(([k, v]) => state.inputs[k] === v);
  if (!same) return null;
  for (const key of state.outputs) if (!(await store.stat(bucket, key))) return null;
  return `inputs unchanged since run ${state.run_id} (use --force to rebuild)`;
}
