import { z } from "zod";
import { EltError } from "../../core/errors.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import { listAll, readJsonOrNull } from "../../storage/object-store.ts";
import { goldKeys as keys } from "../../contract/lake.ts";
import { GOLD_TABLE_NAMES } from "../../contract/gold-tables.ts";
import { writeState, type LayerState } from "../layer-state.ts";

/**
 * Every gold run's tables are kept under `_versions/<run>/`, sealed by a `_complete.json`
 * written last: only sealed versions are published or offered to `elt rollback`, so a run
 * killed half-way through writing its version can never be published.
 *
 * Publishing copies a version over the latest keys one object at a time, so it is bracketed
 * by a marker (`_publishing.json`) naming the version and the layer state to record once the
 * copies are done: a process killed in between leaves the marker, and the next one to open
 * the lake finishes the same publish (finishPublish), so the latest tables all come from one run.
 */

/** How many sealed versions are kept; older ones are pruned after each publish. */
export const VERSIONS_KEPT = 10;

export const ALL_GOLD_KEYS = GOLD_TABLE_NAMES.flatMap(keys.table);
const versionKey = keys.version;
const SEAL = keys.seal;
const MARKER = keys.publishing;

/**
 * Test hook, off unless set: milliseconds to sleep after each copy of a publish, so a fault
 * test can kill the process while the marker is there and only some tables are copied.
 */
const PAUSE_MS = Number(process.env.ELT_TEST_PUBLISH_PAUSE_MS ?? 0) || 0;

const markerSchema = z.object({
  run_id: z.string().min(1),
  started_at: z.string(),
  state: z.object({
    inputs: z.record(z.string(), z.string()),
    run_id: z.string(),
    published_at: z.string(),
    outputs: z.array(z.string()),
    summary: z.record(z.string(), z.unknown()),
  }),
});

/** A publish under way, or left unfinished by a process that died. */
export type Publishing = z.infer<typeof markerSchema>;

export async function sealVersion(store: ObjectStore, runId: string, rows: Record<string, number>): Promise<void> {
  await store.put("gold", versionKey(runId, SEAL), JSON.stringify({ run_id: runId, sealed_at: new Date().toISOString(), rows }));
}

/**
 * Copies a sealed version over the latest keys, after checking every table of it is there,
 * then records `state` as gold's layer state.
 */
export async function publishVersion(store: ObjectStore, runId: string, state: LayerState): Promise<void> {
  await checkComplete(store, runId);
  const marker: Publishing = { run_id: runId, started_at: new Date().toISOString(), state };
  await store.put("gold", MARKER, JSON.stringify(marker, null, 2));
  await copyOver(store, marker);
}

/** The publish a marker names, or null when none is under way or unfinished. */
export async function readPublishing(store: ObjectStore): Promise<Publishing | null> {
  const raw = await readJsonOrNull<unknown>(store, "gold", MARKER);
  if (raw === null) return null;
  const parsed = markerSchema.safeParse(raw);
  if (!parsed.success) throw new EltError(`gold/${MARKER} is not a publish marker elt wrote (${parsed.error.issues[0]?.message}): delete it, then run \`elt run gold --force\``);
  return parsed.data;
}

/**
 * Finishes a publish a dead process left unfinished (roll forward): the caller holds the
 * lake's lock, so a marker found here is nobody's work in progress. The run id it published,
 * or null when there was none.
 */
export async function finishPublish(store: ObjectStore): Promise<string | null> {
  const marker = await readPublishing(store);
  if (!marker) return null;
  await checkComplete(store, marker.run_id);
  await copyOver(store, marker);
  return marker.run_id;
}

async function checkComplete(store: ObjectStore, runId: string): Promise<void> {
  for (const key of [SEAL, ...ALL_GOLD_KEYS]) {
    if (!(await store.stat("gold", versionKey(runId, key)))) {
      throw new EltError(`gold version ${runId} is incomplete (no ${key}): it cannot be published (\`elt rollback RUN\` publishes another one)`);
    }
  }
}

/** Every copy is whole and the same again when repeated, so a killed publish can be redone from the start. */
async function copyOver(store: ObjectStore, marker: Publishing): Promise<void> {
  for (const key of ALL_GOLD_KEYS) {
    await store.copy("gold", versionKey(marker.run_id, key), "gold", key);
    if (PAUSE_MS > 0) await Bun.sleep(PAUSE_MS);
  }
  await writeState(store, "gold", marker.state);
  await store.delete("gold", MARKER);
}

/**
 * The latest keys whose bytes are not those of `runId`'s version: none when the latest set is
 * that run's whole. Bytes, not etags: the folder store's copy keeps no etag relation, and an
 * S3 copy of a multipart upload gets a new one.
 */
export async function latestNotFrom(store: ObjectStore, runId: string): Promise<string[]> {
  const differ: string[] = [];
  for (const key of ALL_GOLD_KEYS) {
    const [latest, version] = await Promise.all([store.stat("gold", key), store.stat("gold", versionKey(runId, key))]);
    if (!latest || !version) {
      differ.push(key);
      continue;
    }
    if (latest.size !== version.size) differ.push(key);
    else if ((await sha256(store, key)) !== (await sha256(store, versionKey(runId, key)))) differ.push(key);
  }
  return differ;
}

async function sha256(store: ObjectStore, key: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of await store.get("gold", key)) hasher.update(chunk);
  return hasher.digest("hex");
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
