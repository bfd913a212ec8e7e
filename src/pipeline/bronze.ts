import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../errors.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { readJsonOrNull } from "../storage/object-store.ts";
import { DATASETS, type Dataset } from "./datasets.ts";
import { fileChunks } from "../storage/file-chunks.ts";
import { Staging } from "./staging.ts";

/**
 * Bronze keeps every source file byte for byte, content-addressed (`<dataset>/<sha256>.csv`),
 * so raw data is never overwritten and identical bytes are stored once. The manifest
 * `_manifest/<dataset>.json` keeps the ingest history and points at the latest ingest.
 */

export interface BronzeEntry {
  dataset: Dataset;
  key: string;
  sha256: string;
  size: number;
  /** Records after the header (blank lines are not records). */
  rows: number;
  source: string;
  ingested_at: string;
  run_id: string;
  /** True when these exact bytes were already in bronze: recorded, not stored again. */
  already_present: boolean;
}

export interface BronzeManifest {
  latest: BronzeEntry;
  history: BronzeEntry[];
}

const manifestKey = (dataset: Dataset) => `_manifest/${dataset}.json`;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;

/**
 * Counts CSV records without building fields: newlines outside quotes, minus blank lines and
 * the header. Quotes follow the reader's rules: a quote opens quoting only at the start of a
 * field (elsewhere it is data), and `""` inside quotes is one quote.
 */
export class RecordCounter {
  private state = FIELD_START;
  private lineHasData = false;
  private records = 0;
  push(chunk: Uint8Array): void {
    let { state, lineHasData, records } = this;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (state === QUOTED) {
        if (b === 0x22) state = QUOTE_IN_QUOTED;
        continue;
      }
      if (b === 0x0a) {
        if (lineHasData) records++;
        lineHasData = false;
        state = FIELD_START;
        continue;
      }
      if (b === 0x0d) continue;
      lineHasData = true;
      if (b === 0x2c) state = FIELD_START;
      else if (b === 0x22 && (state === FIELD_START || state === QUOTE_IN_QUOTED)) state = QUOTED;
      else state = UNQUOTED;
    }
    this.state = state;
    this.lineHasData = lineHasData;
    this.records = records;
  }
  /** Data records: every record but the header. */
  finish(): number {
    const total = this.records + (this.lineHasData ? 1 : 0);
    return Math.max(0, total - 1);
  }
}

export function sourcePath(sourcesDir: string, dataset: Dataset): string {
  return resolve(join(sourcesDir, DATASETS[dataset].file));
}

export function readManifest(store: ObjectStore, dataset: Dataset): Promise<BronzeManifest | null> {
  return readJsonOrNull<BronzeManifest>(store, "bronze", manifestKey(dataset));
}

/** The latest ingest of a dataset, or an error telling the user to run bronze first. */
export async function latestBronze(store: ObjectStore, dataset: Dataset): Promise<BronzeEntry> {
  const manifest = await readManifest(store, dataset);
  if (!manifest) {
    throw new InputError(`no bronze copy of ${DATASETS[dataset].file} yet: run \`elt run bronze\` first`, DATASETS[dataset].file);
  }
  return manifest.latest;
}

/**
 * Copies a source file into bronze. The file is read once, into a staged copy, while it is
 * hashed and counted: a file still being written by its producer can never end up stored
 * under a checksum that is not its own.
 */
export async function ingest(
  store: ObjectStore,
  dataset: Dataset,
  sourcesDir: string,
  runId: string,
  home: string,
): Promise<BronzeEntry> {
  const path = sourcePath(sourcesDir, dataset);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new InputError(`${path}: source file not found (expected ${DATASETS[dataset].file} in ${resolve(sourcesDir)})`, path);
  }
  const staging = await Staging.create(home, runId, `bronze-${dataset}`);
  try {
    const copy = staging.file("source.csv");
    const hasher = new Bun.CryptoHasher("sha256");
    const counter = new RecordCounter();
    let size = 0;
    for await (const chunk of fileChunks(path)) {
      hasher.update(chunk);
      counter.push(chunk);
      copy.write(chunk);
      size += chunk.byteLength;
      await copy.drain();
    }
    await copy.close();
    const sha256 = hasher.digest("hex");
    const key = `${dataset}/${sha256}.csv`;
    const existing = await store.stat("bronze", key);
    if (!existing || existing.size !== size) await staging.publish("source.csv", store, "bronze", key);
    return await record(store, {
      dataset,
      key,
      sha256,
      size,
      rows: counter.finish(),
      source: path,
      ingested_at: new Date().toISOString(),
      run_id: runId,
      already_present: existing !== null,
    });
  } finally {
    await staging.dispose();
  }
}

/** Appends an ingest to the dataset's history and makes it the latest. */
async function record(store: ObjectStore, entry: BronzeEntry): Promise<BronzeEntry> {
  const { dataset } = entry;
  const manifest = await readManifest(store, dataset);
  const next: BronzeManifest = { latest: entry, history: [...(manifest?.history ?? []), entry] };
  await store.put("bronze", manifestKey(dataset), JSON.stringify(next, null, 2));
  return entry;
}
