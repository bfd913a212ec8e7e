import { resolve } from "node:path";
import { GOLD_TABLE_NAMES } from "../contract/gold-tables.ts";
import { SILVER_KEYS, goldKeys, runKeys, type Bucket } from "../contract/lake.ts";
import type { RunRecord } from "./record.ts";
import type { StoreHandle } from "../storage/object-store.ts";

/**
 * Where the files a run wrote are, as a user opens them: the absolute file of the folder
 * store, or an `s3://bucket/key` URI. Only what this run wrote: a layer that failed or was
 * skipped wrote nothing, and an earlier run's files are not this run's.
 */

export interface RunOutputs {
  layer: string;
  addresses: string[];
}

export function objectAddress(handle: StoreHandle, bucket: Bucket, key: string): string {
  return handle.backend === "folder" ? resolve(handle.root, bucket, key) : `s3://${bucket}/${key}`;
}

export function runOutputs(record: RunRecord, handle: StoreHandle): RunOutputs[] {
  const at = (bucket: Bucket, key: string) => objectAddress(handle, bucket, key);
  const done = record.tasks.filter((t) => t.state === "succeeded");
  const out: RunOutputs[] = [];
  // Bronze's metrics name the copy as `bronze/<key>`.
  const copies = done.flatMap((t) => (typeof t.metrics?.key === "string" ? [t.metrics.key.replace(/^bronze\//, "")] : []));
  if (copies.length) out.push({ layer: "bronze", addresses: copies.map((k) => at("bronze", k)) });
  if (done.some((t) => t.name === "silver")) out.push({ layer: "silver", addresses: Object.values(SILVER_KEYS).map((k) => at("silver", k)) });
  if (done.some((t) => t.name === "gold")) {
    // Both files of a table on one line, in the shell's brace spelling.
    const tables = GOLD_TABLE_NAMES.map((name) => at("gold", `${name}.{parquet,csv}`));
    out.push({ layer: "gold", addresses: [...tables, at("gold", goldKeys.version(record.id, ""))] });
  }
  out.push({ layer: "run record", addresses: [at("runs", runKeys.record(record.id))] });
  return out;
}
