import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../core/errors.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { readJsonOrNull } from "../storage/object-store.ts";
import { bronzeKeys } from "../contract/lake.ts";
import { DATASETS, type Dataset } from "../contract/sources.ts";
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

const manifestKey = bronzeKeys.manifest;
/** Bytes copied between two turns of the event loop, when the copy can be cancelled. */
const TURN_BYTES = 1 << 20;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Counts CSV records without building fields: line ends outside quotes, minus blank lines and
 * the header. Quotes and blank lines follow the reader's rules: a quote opens quoting only at
 * the start of a field (elsewhere it is data), `""` inside quotes is one quote, and a line is
 * blank when nothing is left once one CR before its end is dropped.
 */
export class RecordCounter {
  private state = FIELD_START;
  private records = 0;
  /** The current line opened a quote: it is a record, whatever else it holds. */
  private quoted = false;
  /** Bytes of the current line outside quotes (counted up to 2) and the last of them. */
  private lineBytes = 0;
  private lastByte = 0;

  /** The file's first bytes while they may still be a byte-order mark, which the reader drops; null once decided. */
  private head: number[] | null = [];

  push(chunk: Uint8Array): void {
    if (this.head) {
      let i = 0;
      while (i < chunk.length && this.head.length < BOM.length && chunk[i] === BOM[this.head.length]) this.head.push(chunk[i++]!);
      if (this.head.length < BOM.length && i === chunk.length) return; // still maybe a mark
      if (this.head.length < BOM.length) this.count(Uint8Array.from(this.head)); // not one: data
      this.head = null;
      chunk = chunk.subarray(i);
    }
    this.count(chunk);
  }

  private count(chunk: Uint8Array): void {
    const n = chunk.length;
    let quoteAt = -1;
    for (let i = 0; i < n; ) {
      if (quoteAt < i) quoteAt = chunk.indexOf(QUOTE, i) >>> 0; // none: past any index
      if (this.state !== QUOTED) {
        // A line without a quote, the usual case: its end is found natively.
        const lf = chunk.indexOf(LF, i) >>> 0;
        if (quoteAt > lf || quoteAt >= n) {
          const end = Math.min(lf, n);
          this.unquoted(chunk, i, end);
          if (end < n) this.endLine();
          i = end + 1;
          continue;
        }
      }
      i = this.quotedLine(chunk, i);
    }
  }

  /** Byte by byte from i to the end of the line (an LF outside quotes): returns the index after it. */
  private quotedLine(chunk: Uint8Array, i: number): number {
    for (; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.state === QUOTED) {
        if (b === QUOTE) this.state = QUOTE_IN_QUOTED;
      } else if (b === LF) {
        this.endLine();
        return i + 1;
      } else if (b === QUOTE && (this.state === FIELD_START || this.state === QUOTE_IN_QUOTED)) {
        this.state = QUOTED;
        this.quoted = true;
      } else {
        this.unquoted(chunk, i, i + 1);
      }
    }
    return i;
  }

  /** Bytes [from, to) of a line, none of them a quote that opens a field or a line end. */
  private unquoted(chunk: Uint8Array, from: number, to: number): void {
    if (to === from) return;
    this.lineBytes = Math.min(2, this.lineBytes + to - from);
    this.lastByte = chunk[to - 1]!;
    this.state = this.lastByte === COMMA ? FIELD_START : UNQUOTED;
  }

  private lineIsRecord(): boolean {
    return this.quoted || this.lineBytes > 1 || (this.lineBytes === 1 && this.lastByte !== CR);
  }

  private endLine(): void {
    if (this.lineIsRecord()) this.records++;
    this.quoted = false;
    this.lineBytes = 0;
    this.state = FIELD_START;
  }

  /** Data records: every record but the header. */
  finish(): number {
    // A file that ends inside what could have been a byte-order mark: those bytes were data.
    if (this.head?.length) this.count(Uint8Array.from(this.head));
    this.head = null;
    const total = this.records + (this.lineIsRecord() ? 1 : 0);
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
  /** Aborted: the copy stops at its next chunk, and nothing is stored. */
  signal?: AbortSignal,
): Promise<BronzeEntry> {
  const path = sourcePath(sourcesDir, dataset);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new InputError(
      `${path}: source file not found (expected ${DATASETS[dataset].file} in ${resolve(sourcesDir)}; for sample data: \`elt generate --out ${sourcesDir}\`, or \`elt run --all --generate\`)`,
      path,
    );
  }
  const staging = await Staging.create(home, runId, `bronze-${dataset}`);
  try {
    const copy = staging.file("source.csv");
    const hasher = new Bun.CryptoHasher("sha256");
    const counter = new RecordCounter();
    let size = 0;
    let turnAt = 0;
    for await (const chunk of Bun.file(path).stream()) {
      if (signal && size - turnAt >= TURN_BYTES) {
        // A cached file streams in microtasks alone, and a signal is handled between turns of
        // the event loop: one turn now and then lets a Ctrl-C reach the copy.
        turnAt = size;
        await new Promise(setImmediate);
      }
      signal?.throwIfAborted();
      hasher.update(chunk);
      counter.push(chunk);
      copy.write(chunk);
      size += chunk.byteLength;
    }
    copy.close();
    signal?.throwIfAborted();
    const sha256 = hasher.digest("hex");
    const key = bronzeKeys.copy(dataset, sha256);
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
