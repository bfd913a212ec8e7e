import { EltError, errorLine } from "../core/errors.ts";
import type { GoldTableName } from "../contract/gold-tables.ts";
import type { Row } from "../contract/columns.ts";
import { collectionName, type ServingStore } from "../serving/serving-store.ts";
import type { RefreshTime } from "../api/schemas.ts";
import type { ApiClient } from "./client.ts";
import { summarize, type Stats } from "./stats.ts";

/**
 * The propagation probe: how long data written to the serving store takes to be visible
 * through the API. Each probe rewrites a table with the rows it already holds under a fresh
 * run_id, starts the clock when the write returns, and polls /refresh_time until the API
 * shows that run_id. The data never changes; afterwards each table is written once more under
 * its original run_id, so only its write_start/write_end tell that the probe ran.
 */

/** Probed tables are held in memory: the figures are about propagation, not bulk writes. */
export const MAX_PROBE_ROWS = 100_000;

export interface ProbeOptions {
  store: ServingStore;
  api: ApiClient;
  tables: readonly GoldTableName[];
  iterations: number;
  /** Longest wait for one write to show before giving up. */
  timeoutMs: number;
  /** Pause between two polls of the API. */
  pollMs: number;
}

export interface Sample {
  collection: string;
  iteration: number;
  run_id: string;
  /** replaceTable, call to return. */
  write_ms: number;
  /** replaceTable returned → the API first shows the new run_id. */
  propagation_ms: number;
  polls: number;
}

export interface CollectionFigures {
  collection: string;
  rows: number;
  write_ms: Stats;
  propagation_ms: Stats;
  /** /refresh_time/{collection} as it answered before the probe: the original project's figures. */
  before: RefreshTime;
}

export interface ProbeReport {
  api_url: string;
  store: string;
  iterations: number;
  collections: CollectionFigures[];
  overall: { write_ms: Stats; propagation_ms: Stats };
  samples: Sample[];
}

interface Original {
  table: GoldTableName;
  collection: string;
  rows: Row[];
  /** The run_id the store recorded, put back at the end (the API's answer may come from elsewhere). */
  runId: string;
  before: RefreshTime;
}

async function* once(rows: Row[]): AsyncIterable<Row[]> {
  yield rows;
}

export async function probe(options: ProbeOptions): Promise<ProbeReport> {
  const { store, api, iterations } = options;
  const originals: Original[] = [];
  for (const table of options.tables) {
    const collection = collectionName(table, store.prefix);
    const [meta] = await store.refreshMetadata(collection);
    if (!meta) throw new EltError(`${collection} has not been written yet: run \`elt run --all\` first`);
    const before = await api.refreshTime(collection);
    const { rows, total } = await store.read(table, { limit: MAX_PROBE_ROWS });
    if (total > MAX_PROBE_ROWS) {
      throw new EltError(`${collection} has ${total} rows: probe tables of at most ${MAX_PROBE_ROWS} rows (see --collections)`);
    }
    originals.push({ table, collection, rows, runId: meta.run_id, before });
  }

  const samples: Sample[] = [];
  const touched = new Set<Original>();
  let failure: unknown;
  try {
    for (let iteration = 1; iteration <= iterations; iteration++) {
      for (const original of originals) {
        const runId = `probe-${Date.now()}-${iteration}`;
        touched.add(original);
        const start = performance.now();
        await store.replaceTable(original.table, once(original.rows), runId);
        const written = performance.now();
        const polls = await waitUntilVisible(options, original.collection, runId);
        samples.push({
          collection: original.collection,
          iteration,
          run_id: runId,
          write_ms: written - start,
          propagation_ms: performance.now() - written,
          polls,
        });
      }
    }
  } catch (err) {
    failure = err;
  }
  const unrestored = await restore(store, touched);
  if (unrestored.length > 0) {
    const note = `could not restore the original run_id of ${unrestored.join(", ")}; the data itself is unchanged`;
    throw new EltError(failure === undefined ? note : `${errorLine(failure)}; ${note}`);
  }
  if (failure !== undefined) throw failure;

  const figures = (of: readonly Sample[]) => ({
    write_ms: summarize(of.map((s) => s.write_ms)),
    propagation_ms: summarize(of.map((s) => s.propagation_ms)),
  });
  return {
    api_url: api.baseUrl,
    store: `${store.kind} ${store.location}`,
    iterations,
    collections: originals.map((o) => ({
      collection: o.collection,
      rows: o.rows.length,
      ...figures(samples.filter((s) => s.collection === o.collection)),
      before: o.before,
    })),
    overall: figures(samples),
    samples,
  };
}

async function waitUntilVisible(options: ProbeOptions, collection: string, runId: string): Promise<number> {
  const deadline = performance.now() + options.timeoutMs;
  for (let polls = 1; ; polls++) {
    if ((await options.api.refreshTime(collection)).run_id === runId) return polls;
    if (performance.now() > deadline) {
      throw new EltError(
        `the API at ${options.api.baseUrl} did not show the write to ${collection} within ${options.timeoutMs / 1000} s: ` +
          `is it serving ${options.store.location}?`,
      );
    }
    await Bun.sleep(options.pollMs);
  }
}

/** Puts each rewritten table back under its original run_id; answers the ones that failed. */
async function restore(store: ServingStore, touched: Set<Original>): Promise<string[]> {
  const failed: string[] = [];
  for (const original of touched) {
    try {
      await store.replaceTable(original.table, once(original.rows), original.runId);
    } catch (err) {
      failed.push(`${original.collection} (${errorLine(err)})`);
    }
  }
  return failed;
}
