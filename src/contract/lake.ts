import { GOLD_TABLES } from "./gold-tables.ts";
import { DATASET_NAMES, type Dataset } from "./sources.ts";

/**
 * Where everything lives in the object store: the buckets and every key in them, each built
 * by one function here. A bucket is a logical name; the object store maps it to the bucket
 * or folder that holds it.
 */

export const BUCKETS = ["bronze", "silver", "gold", "runs"] as const;
export type Bucket = (typeof BUCKETS)[number];

/** What a layer last published and from which inputs, at the top of the layer's bucket. */
export const LAYER_STATE_KEY = "_state.json";

export const bronzeKeys = {
  /** A source file's bytes, content-addressed: raw data is never overwritten. */
  copy: (dataset: Dataset, sha256: string) => `${dataset}/${sha256}.csv`,
  /** A dataset's ingest history, pointing at its latest ingest. */
  manifest: (dataset: Dataset) => `_manifest/${dataset}.json`,
};

export const silverKeys = {
  /** A run's outputs that its quality checks refused: kept for inspection, never published. */
  refused: (runId: string, key: string) => `_refused/${runId}/${key}`,
  refusedPrefix: "_refused/",
};

/** SPEC fixes these keys. */
export const SILVER_KEYS = {
  clients: "clients.parquet",
  achats: "achats.parquet",
  clientsRejects: "_rejects/clients.csv",
  achatsRejects: "_rejects/achats.csv",
} as const;

export const goldKeys = {
  /** A table's latest published files: Parquet first, then CSV. */
  table: (table: string) => [`${table}.parquet`, `${table}.csv`] as const,
  parquet: (table: string) => `${table}.parquet`,
  /** Every run's gold is written under its own version folder before it is published. */
  versionsPrefix: "_versions/",
  version: (runId: string, key: string) => `_versions/${runId}/${key}`,
  /** Written last in a version folder: only a sealed version may be published. */
  seal: "_complete.json",
  /**
   * Present while a version is being copied over the latest keys, naming it: a process that
   * finds it left behind finishes that publish before anything else.
   */
  publishing: "_publishing.json",
  /** What was last exported to one serving target, by a hash of the target. */
  exportMark: (targetHash: string) => `_exported/${targetHash}.json`,
};

/** A run's id: the UTC second it started, its flow, a random tail (`20260101T000000Z-all-4f2a`). */
const RUN_ID = "\\d{8}T\\d{6}Z-[^/]+-[0-9a-z]+";

export const runKeys = {
  /** Whether `id` has the shape elt gives run ids: a prune of a shared bucket touches only these. */
  isId: (id: string) => new RegExp(`^${RUN_ID}$`).test(id),
  /** Ids start with a UTC timestamp, so key order is start order. */
  record: (id: string) => `${id}/run.json`,
  logs: (id: string) => `${id}/logs.jsonl`,
  recordSuffix: "/run.json",
  /** One writer at a time per lake. */
  lock: "_lock.json",
};

/**
 * Whether elt writes `key` in `bucket`, by the shapes of the keys above: a clean-up in a bucket
 * that other programs may share (ELT_BUCKET_<NAME>) touches only these.
 */
export function isLakeKey(bucket: Bucket, key: string): boolean {
  return KEY_SHAPES[bucket].test(key);
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const anyOf = (...shapes: string[]) => new RegExp(`^(?:${shapes.join("|")})$`);
const datasets = `(?:${DATASET_NAMES.join("|")})`;
const tableFiles = `(?:${Object.keys(GOLD_TABLES).join("|")})\\.(?:parquet|csv)`;
const state = literal(LAYER_STATE_KEY);
const KEY_SHAPES: Record<Bucket, RegExp> = {
  bronze: anyOf(`${datasets}/[0-9a-f]{64}\\.csv`, `_manifest/${datasets}\\.json`, state),
  silver: anyOf(...Object.values(SILVER_KEYS).map(literal), `_refused/[^/]+/(?:${Object.values(SILVER_KEYS).map(literal).join("|")})`, state),
  gold: anyOf(tableFiles, `_versions/[^/]+/(?:${tableFiles}|${literal(goldKeys.seal)})`, `_exported/[^/]+\\.json`, literal(goldKeys.publishing), state),
  runs: anyOf(`${RUN_ID}/(?:run\\.json|logs\\.jsonl)`, literal(runKeys.lock)),
};
