import type { Progress } from "../../runner/flow.ts";
import { EltError } from "../../core/errors.ts";
import { readParquetIndexed } from "../../formats/parquet.ts";
import { objectAsyncBuffer } from "../stored-parquet.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import { readState, unchangedReason } from "../layer-state.ts";
import { silverSummary } from "../silver/index.ts";
import { SILVER_KEYS } from "../../contract/lake.ts";
import { SILVER_ACHAT_TYPES, SILVER_CLIENT_TYPES } from "../../contract/silver-tables.ts";
import { Staging } from "../staging.ts";
import { GoldAccumulator } from "./state/accumulate.ts";
import { goldTables } from "./tables/index.ts";
import { Collect } from "../../memory/gc-pacing.ts";
import { tableCsvChunks } from "../../formats/csv-writer/table.ts";
import { tableParquetChunks } from "../../formats/parquet-table.ts";
import { rowsOf } from "../../columnar/table.ts";
import type { GoldTables } from "./tables/built-table.ts";
import { SharedCsvFiles } from "./shared-csv.ts";
import { GOLD_TABLE_NAMES } from "../../contract/gold-tables.ts";
import type { ColumnDef, Row } from "../../contract/columns.ts";
import { goldKeys } from "../../contract/lake.ts";
import { ALL_GOLD_KEYS, publishVersion, pruneVersions, sealVersion } from "./versions.ts";
import { goldChecks, type GoldFigures } from "../../quality/checks.ts";
import { audit, type Gate } from "../../quality/gate.ts";

/**
 * Gold: SPEC's ten tables from silver, each written as Parquet and CSV. Every run's tables are
 * first stored as a sealed version (versions.ts), then copied over the latest keys, so a reader
 * of `gold/<table>.*` sees a whole old or whole new table, and `elt rollback` can bring back an
 * earlier run's tables.
 */


export interface GoldOptions {
  /** ELT_HOME, where the staging folder is. */
  home: string;
  runId: string;
  force: boolean;
  /** The run's reference date: freshness is judged against it. */
  asOf: string;
  /** The audit the tables must pass before they are published. */
  gate: Gate;
  progress: (step: Progress) => void;
  /** Aborted: gold stops at its next row group, table or chunk, and publishes nothing. */
  signal?: AbortSignal;
}

export type GoldOutcome = { skipped: string } | { summary: { rows: Record<string, number>; kpis: Row } };

async function* readSilver(store: ObjectStore, key: string, columns: readonly ColumnDef[]) {
  if (!(await store.stat("silver", key))) {
    throw new EltError(`silver/${key} not found: run \`elt run silver\` first`);
  }
  yield* readParquetIndexed(await objectAsyncBuffer(store, "silver", key), columns);
}

/**
 * How often spent memory is collected (memory/gc-pacing.ts): a quick collection every row
 * group read or every few chunks written, so their memory is handed out again at once, and a
 * full one now and then, which caps what stays resident.
 */
const READ_ROWS_PER_COLLECTION = 100_000;
const READ_ROWS_PER_FULL_COLLECTION = 1_000_000;
const WRITTEN_BYTES_PER_COLLECTION = 8 << 20;
const WRITTEN_BYTES_PER_FULL_COLLECTION = 64 << 20;

async function build(store: ObjectStore, progress: (step: Progress) => void, signal?: AbortSignal): Promise<GoldTables> {
  const silver = await silverSummary(store);
  const expected = silver && { clients: silver.clients.kept + silver.achats.orphans, purchases: silver.achats.kept };
  const accumulator = new GoldAccumulator(expected ?? {});
  const collect = new Collect(READ_ROWS_PER_COLLECTION, READ_ROWS_PER_FULL_COLLECTION);
  for await (const { rowCount, values } of readSilver(store, SILVER_KEYS.clients, SILVER_CLIENT_TYPES)) {
    signal?.throwIfAborted();
    accumulator.addClientColumns(values, rowCount);
    collect.spent(rowCount);
  }
  let n = 0;
  for await (const { rowCount, values } of readSilver(store, SILVER_KEYS.achats, SILVER_ACHAT_TYPES)) {
    signal?.throwIfAborted();
    accumulator.addPurchaseColumns(values, rowCount);
    n += rowCount;
    progress({ what: "purchases", rows: n });
    collect.spent(rowCount);
  }
  collect.now(); // kpis takes a copy of every amount
  return goldTables(accumulator.finish());
}

export async function runGold(store: ObjectStore, options: GoldOptions): Promise<GoldOutcome> {
  const silver = await readState(store, "silver");
  if (!silver) throw new EltError("no silver tables yet: run `elt run silver` first");
  const inputs = { silver_run: silver.run_id, silver_published_at: silver.published_at };
  if (!options.force) {
    const reason = await unchangedReason(store, "gold", inputs);
    if (reason) return { skipped: reason };
  }
  // The big tables' CSV files are written on another core; the worker loads while gold builds.
  const csvFiles = new SharedCsvFiles();
  const rows: Record<string, number> = {};
  let tables: GoldTables;
  let staging: Staging | undefined;
  try {
    staging = await Staging.create(options.home, options.runId, "gold");
    tables = await build(store, options.progress, options.signal);
    csvFiles.start(GOLD_TABLE_NAMES.map((name) => tables[name]), staging);
    for (const name of GOLD_TABLE_NAMES) {
      const table = tables[name];
      const [parquetKey, csvKey] = goldKeys.table(name);
      options.progress({ what: `writing ${name}` });
      await store.put("gold", goldKeys.version(options.runId, parquetKey), asyncChunks(tableParquetChunks(table), options.signal));
      if (!csvFiles.writes(name)) await store.put("gold", goldKeys.version(options.runId, csvKey), asyncChunks(tableCsvChunks(table), options.signal));
      rows[name] = table.rowCount;
    }
    options.progress({ what: "writing the big CSV files" });
    await csvFiles.done(options.signal);
    for (const name of GOLD_TABLE_NAMES) {
      if (csvFiles.writes(name)) await staging.publish(`${name}.csv`, store, "gold", goldKeys.version(options.runId, goldKeys.table(name)[1]));
    }
  } finally {
    await csvFiles.stop();
    await staging?.dispose();
  }
  // Audited after its version is written and before it is sealed: a refused version stays
  // under _versions/ for inspection, and only sealed versions are ever published or rolled back to.
  await audit(options.gate, () => goldChecks(goldFigures(tables, options.asOf), options.gate.thresholds));
  // The last moment to stop: once sealed, the version is published whole.
  options.signal?.throwIfAborted();
  await sealVersion(store, options.runId, rows);
  const kpis = rowsOf(tables.kpis, 0, 1)[0]!;
  await publishVersion(store, options.runId, {
    inputs,
    run_id: options.runId,
    published_at: new Date().toISOString(),
    outputs: ALL_GOLD_KEYS,
    summary: { rows, kpis },
  });
  await pruneVersions(store, options.runId);
  return { summary: { rows, kpis } };
}

/** What gold's checks read: kpis and the aggregates' totals, from tables already built (the aggregates are small). */
function goldFigures(tables: GoldTables, asOf: string): GoldFigures {
  const kpis = rowsOf(tables.kpis, 0, 1)[0]!;
  const totals: GoldFigures["totals"] = {};
  for (const name of ["agg_jour", "agg_semaine", "agg_mois", "ca_par_produit"] as const) {
    const rows = rowsOf(tables[name], 0, tables[name].rowCount);
    totals[name] = {
      ca_total: rows.reduce((n, r) => n + (r.ca_total as number), 0),
      nb_achats: rows.reduce((n, r) => n + (r.nb_achats as number), 0),
    };
  }
  const days = tables.agg_jour;
  const latest = days.rowCount > 0 ? (rowsOf(days, days.rowCount - 1, days.rowCount)[0]!.date as string) : null;
  return { kpis: { ca_total: kpis.ca_total as number, nb_achats_total: kpis.nb_achats_total as number }, totals, latestPurchase: latest, asOf };
}

/** A lazily produced body: the next chunk is encoded only when the store asks for it. */
async function* asyncChunks(chunks: Iterable<Uint8Array>, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  const collect = new Collect(WRITTEN_BYTES_PER_COLLECTION, WRITTEN_BYTES_PER_FULL_COLLECTION);
  for (const bytes of chunks) {
    signal?.throwIfAborted();
    yield bytes;
    collect.spent(bytes.byteLength);
  }
}
