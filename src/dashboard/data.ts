import { z } from "zod";
import { StoreError, errorLine } from "../core/errors.ts";
import type { GoldTableName } from "../contract/gold-tables.ts";
import type { RunRecord } from "../runner/record.ts";
import { collectionName, refreshMetadataSchema, type ReadOptions, type ServingStore } from "../serving/serving-store.ts";
import { GRANULARITIES, type Granularity } from "./view.ts";

/**
 * What the dashboard shows, and the two ways to get it: the HTTP API, or the serving store
 * read directly. Both read the same few small gold tables and go through the same parsing,
 * so a frame cannot tell where its data came from except by the source it names.
 */

export interface Kpis {
  ca_total: number;
  nb_achats_total: number;
  panier_moyen: number | null;
  nb_clients_uniques: number;
  montant_moyen_par_client: number | null;
  taux_croissance_mensuel: number | null;
  montant_median: number | null;
}

/** One day, ISO week or month: its key as gold writes it (`2024-03-01`, `2024-W09`, `2024-03`). */
export interface Period {
  key: string;
  ca: number;
  achats: number;
}

/** A product or a country, with its share of the total CA in percent. */
export interface Share {
  name: string;
  ca: number;
  share: number | null;
}

export type Source =
  | { kind: "api"; url: string }
  /** `apiDown`: the API URL that did not answer, when the local store is a fallback. */
  | { kind: "local"; location: string; apiDown?: string };

export interface Served {
  source: Source;
  kpis: Kpis;
  /** Oldest first; at most SERIES_LIMIT of the most recent periods. */
  series: Record<Granularity, Period[]>;
  products: Share[];
  countries: Share[];
  /** The last write of kpis (every export writes it), or null when nothing was ever exported. */
  lastWrite: { at: number; runId: string } | null;
}

export interface DashboardData extends Served {
  /** Newest first. */
  runs: RunRecord[];
  runsError?: string;
  loadedAt: number;
  /** Why the data on screen is older than the last refresh. */
  warning?: string;
}

/** Every period a lake can hold (silver keeps ten years of purchases: 3,651 days), so ←/→ reach the first. */
export const SERIES_LIMIT = 4000;
/** More bars than any terminal has lines. */
const SHARES_LIMIT = 200;

const SERIES_TABLES = { day: "agg_jour", week: "agg_semaine", month: "agg_mois" } as const;

/** Each table the dashboard reads, and the slice of it a screen can use. */
const QUERIES = {
  kpis: {},
  agg_jour: { sort: { column: "date", direction: "desc" }, limit: SERIES_LIMIT },
  agg_semaine: { sort: { column: "semaine", direction: "desc" }, limit: SERIES_LIMIT },
  agg_mois: { sort: { column: "mois", direction: "desc" }, limit: SERIES_LIMIT },
  ca_par_produit: { limit: SHARES_LIMIT },
  ca_par_pays: { limit: SHARES_LIMIT },
} as const satisfies Partial<Record<GoldTableName, ReadOptions>>;

type TableName = keyof typeof QUERIES;
const TABLES = Object.keys(QUERIES) as TableName[];

const nullableNumber = z.number().nullable();
const kpisRow = z.object({
  ca_total: z.number(),
  nb_achats_total: z.number(),
  panier_moyen: nullableNumber,
  nb_clients_uniques: z.number(),
  montant_moyen_par_client: nullableNumber,
  taux_croissance_mensuel: nullableNumber,
  montant_median: nullableNumber,
});
const measures = { ca_total: z.number(), nb_achats: z.number() };
const period = (key: string, r: { ca_total: number; nb_achats: number }): Period => ({ key, ca: r.ca_total, achats: r.nb_achats });
const PERIOD_ROWS: Record<Granularity, z.ZodType<Period>> = {
  day: z.object({ date: z.string(), ...measures }).transform((r) => period(r.date, r)),
  week: z.object({ semaine: z.string(), ...measures }).transform((r) => period(r.semaine, r)),
  month: z.object({ mois: z.string(), ...measures }).transform((r) => period(r.mois, r)),
};
const productRow = z.object({ produit: z.string(), ca_total: z.number(), part_ca: nullableNumber });
const countryRow = z.object({ pays: z.string(), ca_total: z.number(), nb_achats: z.number() });

/** The label of purchases without a country (orphans, clients with no pays): ca_par_pays has no row for them. */
export const NO_COUNTRY = "(no country)";

/** Countries as ca_par_pays has them, plus what kpis counts beyond their sum as its own row, so shares add to 100 %. */
function withNoCountry<R extends { pays: string; ca_total: number; nb_achats: number }>(countries: R[], kpis: Kpis): { pays: string; ca_total: number }[] {
  const achats = kpis.nb_achats_total - countries.reduce((n, c) => n + c.nb_achats, 0);
  if (achats <= 0) return countries;
  return [...countries, { pays: NO_COUNTRY, ca_total: kpis.ca_total - countries.reduce((n, c) => n + c.ca_total, 0) }];
}
const refreshRecord = refreshMetadataSchema.pick({ write_end: true, run_id: true });

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new StoreError("failed", `${where}: unexpected data at ${issue.path.join(".") || "top level"}: ${issue.message}`);
}

type RawTables = Record<TableName, unknown[]>;

/** Rows as both sources hand them over, checked once and shaped for the screen. */
function toServed(source: Source, raw: RawTables, lastWrite: Served["lastWrite"], where: string): Served {
  const rows = <T>(table: TableName, row: z.ZodType<T>) => parse(z.array(row), raw[table], `${where}, table ${table}`);
  const kpis = rows("kpis", kpisRow)[0];
  if (!kpis) throw new StoreError("not_found", `${where}: kpis has no row: run \`elt run --all\` first`);
  const series = Object.fromEntries(
    GRANULARITIES.map((g) => [g, rows(SERIES_TABLES[g], PERIOD_ROWS[g]).reverse()]),
  ) as Record<Granularity, Period[]>;
  const total = kpis.ca_total;
  return {
    source,
    kpis,
    series,
    products: rows("ca_par_produit", productRow).map((r) => ({ name: r.produit, ca: r.ca_total, share: r.part_ca })),
    countries: withNoCountry(rows("ca_par_pays", countryRow), kpis).map((r) => ({
      name: r.pays,
      ca: r.ca_total,
      share: total === 0 ? null : (r.ca_total / total) * 100,
    })),
    lastWrite,
  };
}

/** Seconds before a silent API counts as not answering. */
const API_TIMEOUT_MS = 5000;

/** Reads the dashboard's tables from the HTTP API. A server that does not answer is a StoreError "unreachable". */
export async function loadFromApi(baseUrl: string, apiKey?: string, timeoutMs = API_TIMEOUT_MS): Promise<Served> {
  const base = baseUrl.replace(/\/+$/, "");
  const headers: Record<string, string> = apiKey ? { "x-api-key": apiKey } : {};
  const get = async (path: string): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const timedOut = err instanceof DOMException && err.name === "TimeoutError";
      const code = (err as { code?: unknown }).code;
      const why = timedOut ? `no answer within ${timeoutMs / 1000} s` : typeof code === "string" ? code : errorLine(err);
      throw new StoreError("unreachable", `no API answers at ${base} (${why})`, { cause: err });
    }
    if (res.status === 404 && path.startsWith("/refresh_time/")) return null;
    const body: unknown = await res.json().catch(() => null);
    if (res.ok) return body;
    const said = typeof body === "object" && body !== null && "error" in body ? `: ${String(body.error)}` : "";
    const kind = res.status === 401 || res.status === 403 ? "access_denied" : "failed";
    const hint = kind === "access_denied" ? " (set API_KEY to the key the API expects)" : "";
    throw new StoreError(kind, `API at ${base}: GET ${path} answered ${res.status}${said}${hint}`);
  };
  const page = z.object({ data: z.array(z.unknown()) });
  const [refresh, ...pages] = await Promise.all([
    get("/refresh_time/kpis"),
    ...TABLES.map(async (table) => {
      const query = new URLSearchParams();
      const q: ReadOptions = QUERIES[table];
      if (q.limit) query.set("limit", String(q.limit));
      if (q.sort) query.set("sort", `${q.sort.direction === "desc" ? "-" : ""}${q.sort.column}`);
      const qs = query.size > 0 ? `?${query}` : "";
      return parse(page, await get(`/${table}${qs}`), `API at ${base}, /${table}`).data;
    }),
  ]);
  const raw = Object.fromEntries(TABLES.map((t, i) => [t, pages[i]!])) as RawTables;
  const write = refresh === null ? null : parse(refreshRecord, refresh, `API at ${base}, /refresh_time/kpis`);
  const lastWrite = write && { at: Date.parse(write.write_end), runId: write.run_id };
  return toServed({ kind: "api", url: base }, raw, lastWrite, `API at ${base}`);
}

/** Reads the dashboard's tables from the serving store itself; `apiDown` names the API it stands in for. */
export async function loadLocal(store: ServingStore, apiDown?: string): Promise<Served> {
  const [meta, ...results] = await Promise.all([
    store.refreshMetadata(collectionName("kpis", store.prefix)),
    ...TABLES.map((table) => store.read(table, QUERIES[table])),
  ]);
  const raw = Object.fromEntries(TABLES.map((t, i) => [t, results[i]!.rows])) as RawTables;
  const write = meta[0];
  const lastWrite = write ? { at: Date.parse(write.write_end), runId: write.run_id } : null;
  const source: Source = apiDown ? { kind: "local", location: store.location, apiDown } : { kind: "local", location: store.location };
  return toServed(source, raw, lastWrite, `serving store ${store.location}`);
}

/** Where to read from: `auto` tries the API and falls back to the local store when nothing answers. */
export type SourceMode = { kind: "auto" | "api"; url: string; apiKey?: string } | { kind: "local" };

export async function loadServed(mode: SourceMode, openLocal: () => Promise<ServingStore>): Promise<Served> {
  if (mode.kind === "local") return loadLocal(await openLocal());
  try {
    return await loadFromApi(mode.url, mode.apiKey);
  } catch (err) {
    if (mode.kind === "api" || !(err instanceof StoreError) || err.kind !== "unreachable") throw err;
    try {
      return await loadLocal(await openLocal(), mode.url);
    } catch (local) {
      // Both sources failed: say what went wrong with each, so neither is a mystery.
      const kind = local instanceof StoreError ? local.kind : "failed";
      throw new StoreError(kind, `${err.message}; local store: ${errorLine(local)}`, { cause: local });
    }
  }
}

/** Everything a frame needs. Runs come from the object store; not reaching it is shown, not fatal. */
export async function loadDashboard(
  served: () => Promise<Served>,
  runs: () => Promise<RunRecord[]>,
  now: () => number = Date.now,
): Promise<DashboardData> {
  const [data, recent] = await Promise.all([served(), runs().then((r) => ({ r }), (err: unknown) => ({ err }))]);
  return "r" in recent
    ? { ...data, runs: recent.r, loadedAt: now() }
    : { ...data, runs: [], runsError: errorLine(recent.err), loadedAt: now() };
}
