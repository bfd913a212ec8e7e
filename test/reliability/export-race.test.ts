import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GOLD_TABLE_NAMES } from "../../src/contract/gold-tables.ts";
import { generateFiles } from "../../src/pipeline/generate/index.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { latestMetadata } from "../../src/serving/sqlite/sqlite-metadata.ts";
import { baseEnv, runElt, startServe, type Serving } from "../support/cli.ts";

/**
 * Readers racing `elt run export --force`, run again and again through the CLI: one reads the
 * SQLite file in read transactions (a snapshot of every table and its metadata at once), the
 * other asks the API as a user would. Neither may ever see two runs' tables together, an
 * error, or an empty answer.
 */

const AS_OF = "2026-06-30";
const EXPORTS = 3;

let dir: string;
let home: string;
let env: Record<string, string>;
let api: Serving | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-export-race-"));
  home = join(dir, "home");
  env = baseEnv({ HOME: dir, ELT_HOME: home });
  await generateFiles({ clients: 8_000, avgPurchases: 5, asOf: AS_OF, dirtyRate: 0.02, seed: 3 }, join(dir, "sources"));
  const first = await runElt(["run", "--all", "--sources", join(dir, "sources"), "--as-of", AS_OF], { cwd: dir, env });
  expect(first.code).toBe(0);
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Every table's latest run id and row count, and its rows counted, in one read transaction. */
function snapshot(db: Database): { runs: Set<string>; problems: string[] } {
  return db.transaction(() => {
    const metas = latestMetadata(db);
    const problems: string[] = [];
    if (metas.length !== GOLD_TABLE_NAMES.length) problems.push(`${metas.length} tables in _refresh_metadata`);
    for (const m of metas) {
      const { n } = db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM "${m.collection}"`).get()!;
      if (n !== m.record_count) problems.push(`${m.collection}: ${n} rows, metadata says ${m.record_count}`);
    }
    return { runs: new Set(metas.map((m) => m.run_id)), problems };
  })();
}

describe("readers racing repeated exports", () => {
  test("see one run's tables at a time, whole, with no error or empty answer; after each export every table is its run's", async () => {
    api = await startServe(env, dir);
    const problems: string[] = [];
    const runsSeen = new Set<string>();
    let snapshots = 0;
    let answers = 0;
    let stop = false;
    const snapshots$ = (async () => {
      while (!stop) {
        // A connection per snapshot, as a reader that wants the latest export opens one: a
        // connection opened earlier keeps the file it opened (the version an export replaced).
        const db = new Database(join(home, "serving.sqlite"), { readonly: true });
        try {
          db.run("PRAGMA busy_timeout = 2000");
          const seen = snapshot(db);
          if (seen.runs.size !== 1) problems.push(`one snapshot, several runs: ${[...seen.runs].join(", ")}`);
          for (const run of seen.runs) runsSeen.add(run);
          problems.push(...seen.problems);
        } catch (err) {
          problems.push(`snapshot: ${(err as Error).message}`);
        } finally {
          db.close();
        }
        snapshots++;
        await Bun.sleep(2);
      }
    })();
    const answers$ = (async () => {
      while (!stop) {
        for (const path of ["/kpis", "/fact_achats?limit=1", "/dim_clients?limit=1", "/agg_mois"]) {
          try {
            const response = await fetch(api!.base + path);
            const body = (await response.json()) as { data?: unknown[]; count?: number };
            if (response.status !== 200 || !body.data?.length || !body.count) problems.push(`${path}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
          } catch (err) {
            problems.push(`${path}: ${(err as Error).message}`);
          }
          answers++;
        }
      }
    })();

    const exports: string[] = [];
    try {
      for (let i = 0; i < EXPORTS; i++) {
        const { code, out, err } = await runElt(["run", "export", "--force", "--json"], { cwd: dir, env });
        expect(err).toBe("");
        expect(code).toBe(0);
        const record = JSON.parse(out) as RunRecord;
        exports.push(record.id);
        const after = new Database(join(home, "serving.sqlite"), { readonly: true });
        try {
          expect(new Set(latestMetadata(after).map((m) => m.run_id))).toEqual(new Set([record.id]));
        } finally {
          after.close();
        }
      }
    } finally {
      stop = true;
      await Promise.all([snapshots$, answers$]);
    }
    expect(problems).toEqual([]);
    expect(snapshots).toBeGreaterThan(EXPORTS);
    expect(answers).toBeGreaterThan(EXPORTS);
    // The readers did read across the exports, not only before or after them.
    expect([...runsSeen].filter((r) => exports.includes(r)).length).toBeGreaterThanOrEqual(EXPORTS - 1);
  }, 120_000);
});
