import kleur from "kleur";
import { z } from "zod";
import { listen, type Listening } from "../api/listen.ts";
import { tableOfCollection } from "../api/schemas.ts";
import { loadConfig, secretsOf } from "../config/environment.ts";
import { UsageError } from "../core/errors.ts";
import { GOLD_TABLE_NAMES, type GoldTableName } from "../contract/gold-tables.ts";
import { ApiClient } from "../refresh/client.ts";
import { probe, type ProbeReport } from "../refresh/probe.ts";
import type { Stats } from "../refresh/stats.ts";
import { acquireLock } from "../runner/lock.ts";
import { openServingStore } from "../serving/registry/open.ts";
import { openObjectStore } from "../storage/open.ts";
import type { ServingStore } from "../serving/serving-store.ts";
import { defineCommand, flag } from "./command.ts";
import { parseOptions, wholeNumber } from "./options.ts";

/** Small tables that every run writes: quick to rewrite, so the figures are about propagation. */
const DEFAULT_TABLES: GoldTableName[] = ["kpis", "agg_mois", "ca_par_pays"];
const TIMEOUT_MS = 10_000;
const POLL_MS = 2;

const schema = z.object({
  iterations: flag(wholeNumber(1, 1000).default(10), "Probes per collection", "<n>"),
  collections: flag(z.string().default(DEFAULT_TABLES.join(",")), "Comma-separated gold tables to probe", "<list>"),
  spawn: flag(z.boolean().default(false), "Start the API in this process instead of using API_URL"),
  json: flag(z.boolean().default(false), "Print the figures as JSON"),
});

export type RefreshTestOptions = z.input<typeof schema>;

export const refreshTest = defineCommand({
  usage: "refresh-test",
  description: "Measure how fast newly written data becomes visible through the API",
  options: schema,
  run: refreshTestCommand,
});

function tablesOf(list: string, prefix: string): GoldTableName[] {
  const names = list.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) throw new UsageError(`--collections: name at least one of ${GOLD_TABLE_NAMES.join(", ")}`);
  const tables = names.map((name) => {
    const table = tableOfCollection(name, prefix);
    if (!table) throw new UsageError(`--collections: "${name}" is not a gold table (${GOLD_TABLE_NAMES.join(", ")})`);
    return table;
  });
  return [...new Set(tables)];
}

/**
 * Measures write-to-visible propagation through the API (see refresh/probe.ts), against
 * API_URL or an API started in this process with --spawn.
 */
export async function refreshTestCommand(raw: RefreshTestOptions): Promise<number> {
  const opts = parseOptions(schema, raw);
  const config = loadConfig();
  const store = await openServingStore(config, { create: false });
  let apiStore: ServingStore | undefined;
  let server: Listening | undefined;
  try {
    const tables = tablesOf(opts.collections, store.prefix);
    if (opts.spawn) {
      // Its own connection, as a separate `elt serve` would have: in-process sharing would flatter the figures.
      apiStore = await openServingStore(config, { create: false });
      // Loaded only to spawn an API: Elysia is the slowest module to load.
      const { createApp } = await import("../api/app.ts");
      server = listen(createApp({ store: apiStore, apiKey: config.apiKey, secrets: secretsOf(config) }), "127.0.0.1", 0);
    }
    const api = new ApiClient(server?.url ?? config.apiUrl, config.apiKey);
    await api.checkHealth();
    // The probe rewrites served tables and puts their rows back: an export in between would be undone.
    const lock = await acquireLock(await openObjectStore(config), "elt refresh-test", { wait: false });
    const report = await probe({
      store,
      api,
      tables,
      iterations: opts.iterations,
      timeoutMs: TIMEOUT_MS,
      pollMs: POLL_MS,
    }).finally(() => lock.release());
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
    return 0;
  } finally {
    await server?.stop();
    await apiStore?.close();
    await store.close();
  }
}

const ms = (n: number) => n.toFixed(2);

function render(report: ProbeReport): string {
  const header = ["COLLECTION", "ROWS", "WRITE", "MIN", "MEAN", "MEDIAN", "P95", "MAX"];
  const line = (name: string, rows: string, write: Stats, p: Stats) =>
    [name, rows, ms(write.median), ms(p.min), ms(p.mean), ms(p.median), ms(p.p95), ms(p.max)];
  const rows = [
    ...report.collections.map((c) => line(c.collection, String(c.rows), c.write_ms, c.propagation_ms)),
    line("overall", "", report.overall.write_ms, report.overall.propagation_ms),
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = [
    `refresh-test: ${report.iterations} iteration(s) per collection through ${report.api_url} (${report.store})`,
    kleur.dim("propagation, ms: from the write returning to the API first showing its run_id; WRITE is the median write, ms"),
    "",
    kleur.bold(format(header)),
    ...rows.map(format),
    "",
    "before the probe, /refresh_time/{collection} answered:",
    ...report.collections.map(
      (c) =>
        `  ${c.collection}: data age ${c.before.refresh_time_seconds.toFixed(1)} s, written ${c.before.write_end} ` +
        `in ${c.before.duration_seconds} s, ${c.before.record_count} rows, run ${c.before.run_id}`,
    ),
    "",
    kleur.dim(
      "the probe rewrote these collections with the rows they held and then wrote them once more under their " +
        "original run_id: the data is unchanged, their write_start/write_end now show the probe's last write",
    ),
  ];
  return `${out.join("\n")}\n`;
}
