import { expect, test } from "bun:test";
import { GOLD_TABLES } from "../../src/contract/gold-tables.ts";
import { LAYER_STATE_KEY, SILVER_KEYS, bronzeKeys, goldKeys, isLakeKey, runKeys, silverKeys } from "../../src/contract/lake.ts";
import { DATASET_NAMES } from "../../src/contract/sources.ts";

/** isLakeKey says which keys a clean-up may touch in a shared bucket: every key elt builds, and no other. */

const sha = "0123456789abcdef".repeat(4);
const run = "20261101T120000Z-all-4f2a";

test("every key the lake's builders make is elt's, in its own bucket", () => {
  const keys: (readonly [Parameters<typeof isLakeKey>[0], string])[] = [
    ...DATASET_NAMES.flatMap((d) => [["bronze", bronzeKeys.copy(d, sha)], ["bronze", bronzeKeys.manifest(d)]] as const),
    ...Object.values(SILVER_KEYS).flatMap((k) => [["silver", k], ["silver", silverKeys.refused(run, k)]] as const),
    ["gold", goldKeys.publishing],
    ...Object.keys(GOLD_TABLES).flatMap((t) => goldKeys.table(t).flatMap((k) => [["gold", k], ["gold", goldKeys.version(run, k)]] as const)),
    ["gold", goldKeys.version(run, goldKeys.seal)],
    ["gold", goldKeys.exportMark("9f86d081")],
    ["runs", runKeys.record(run)],
    ["runs", runKeys.logs(run)],
    ["runs", runKeys.lock],
    ...(["bronze", "silver", "gold"] as const).map((b) => [b, LAYER_STATE_KEY] as const),
  ];
  expect(keys.filter(([bucket, key]) => !isLakeKey(bucket, key))).toEqual([]);
});

test("another program's keys, or elt's in another bucket, are not", () => {
  const foreign: [Parameters<typeof isLakeKey>[0], string][] = [
    ["bronze", "achats/not-a-sha.csv"],
    ["bronze", `other/${sha}.csv`],
    ["silver", "backup/achats.parquet"],
    ["gold", "notes.csv"],
    ["gold", "kpis.parquet.bak"],
    ["gold", `_versions/${run}/extra/kpis.csv`],
    ["runs", "kpis.csv"],
    ["runs", "backup/run.json"],
    ["runs", "notes/2026/logs.jsonl"],
    ["runs", LAYER_STATE_KEY],
    ["silver", "kpis.parquet"],
  ];
  expect(foreign.filter(([bucket, key]) => isLakeKey(bucket, key))).toEqual([]);
});
