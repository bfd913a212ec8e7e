/**
 * The reference the issue measures `run --all` against: DuckDB doing SPEC's silver and gold in
 * SQL on the same clients.csv and achats.csv, run as its own process (DuckDB's defaults: every
 * core, memory up to 80 % of RAM, spilling into OUT_DIR). Prints one JSON line: its own
 * milliseconds and the rows it kept and rejected per reason.
 *
 *   bun bench/duckdb-reference.ts CLIENTS_CSV ACHATS_CSV AS_OF OUT_DIR
 *
 * Silver is written to OUT_DIR/silver (clients.parquet, achats.parquet and the rejects as
 * CSV), then gold reads that Parquet back, as elt's gold reads silver's, and writes each table
 * to OUT_DIR/gold as Parquet and CSV, as elt's gold does. Where it differs from elt:
 * - The header is checked against DuckDB's own column list, not the file's first line (the
 *   bench's files are elt generate's, whose headers are right).
 * - A blank line would be a malformed row here, not skipped (the generator writes none).
 * - A rejected row's `line` is its record number + 1 (the line number when no quoted field
 *   spans lines), and a row with more than one extra field keeps only DuckDB's raw line.
 * - Ids are read up to 2^53−1 through HUGEINT; years 0000 are accepted as dates.
 * - CSV numbers are DuckDB's spelling of a double, not JavaScript's `String(n)`; Parquet
 *   encodings and compression are DuckDB's defaults (Snappy).
 * - Row order of silver is the file's order (DuckDB preserves insertion order); gold's tables
 *   are sorted as SPEC says, text in byte order (DuckDB's default collation).
 * On the bench's 100k dataset its rejects per reason are the generator's defects and its gold
 * tables equal elt's but for the last digits of some sums (another order of addition).
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ACHAT_COLUMNS, CLIENT_COLUMNS, COUNTRIES, PRODUCTS } from "../src/contract/sources.ts";

const [clientsCsv, achatsCsv, asOf, outDir] = process.argv.slice(2);
if (!clientsCsv || !achatsCsv || !asOf || !/^\d{4}-\d{2}-\d{2}$/.test(asOf) || !outDir) {
  throw new Error("usage: bun bench/duckdb-reference.ts CLIENTS_CSV ACHATS_CSV AS_OF OUT_DIR");
}
const silver = join(outDir, "silver");
const gold = join(outDir, "gold");
mkdirSync(join(silver, "_rejects"), { recursive: true });
mkdirSync(gold, { recursive: true });

const str = (s: string) => `'${s.replaceAll("'", "''")}'`;
/** What JavaScript's String.prototype.trim removes, which SPEC's trim is. */
const JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";
/** The same characters as an RE2 class. */
const WS_CLASS = "[\\t\\n\\v\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}]";
const MAX_ID = "9007199254740991";

/**
 * A source file as text columns in file order. A sixth column catches one field too many, and
 * `null_padding` fills a record with too few with nulls: with empty fields read as '' (the null
 * string is one no file holds), a null last column or a present sixth one is a malformed row.
 * DuckDB itself would take a trailing empty field silently. Records with still more fields
 * land in DuckDB's rejects table.
 */
function readSource(table: string, file: string, columns: readonly string[]): string {
  const types = [...columns, "_extra"].map((c) => `${str(c)}: 'VARCHAR'`).join(", ");
  return `CREATE TEMP TABLE ${table}_raw AS SELECT * FROM read_csv(${str(file)}, header = true, auto_detect = false,
    delim = ',', quote = '"', escape = '"', columns = {${types}}, null_padding = true, nullstr = '\u0001',
    store_rejects = true, rejects_table = '${table}_too_wide', rejects_scan = '${table}_scan')`;
}

const referenceValues = (name: string, values: readonly string[]) =>
  `CREATE TEMP TABLE ${name} AS SELECT lower(v) AS key, v FROM (VALUES ${values.map((v) => `(${str(v)})`).join(", ")}) t(v)`;

const SETUP = [
  // DuckDB's trim with a set of characters is slow (1 µs a value): it runs only on the few
  // values that start or end with one.
  `CREATE MACRO t(x) AS nullif(CASE WHEN regexp_matches(x, '^${WS_CLASS}|${WS_CLASS}$') THEN trim(x, ${str(JS_WHITESPACE)}) ELSE x END, '')`,
  `CREATE MACRO id_of(x) AS CASE WHEN regexp_full_match(x, '[0-9]+(\\.0+)?') THEN TRY_CAST(split_part(x, '.', 1) AS HUGEINT) END`,
  `CREATE MACRO valid_id(i) AS i IS NOT NULL AND i > 0 AND i <= ${MAX_ID}`,
  // SPEC's five spellings, each made YYYY-MM-DD before a cast that refuses impossible days.
  `CREATE MACRO day_of(x) AS TRY_CAST(CASE
     WHEN regexp_full_match(x, '\\d{4}-\\d{2}-\\d{2}') THEN x
     WHEN regexp_full_match(x, '\\d{4}/\\d{2}/\\d{2}') THEN replace(x, '/', '-')
     WHEN regexp_full_match(x, '\\d{2}/\\d{2}/\\d{4}') THEN substr(x, 7, 4) || '-' || substr(x, 4, 2) || '-' || substr(x, 1, 2)
     WHEN regexp_full_match(x, '\\d{4}-\\d{2}-\\d{2}[T ]([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d+)?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)?') THEN substr(x, 1, 10)
   END AS DATE)`,
  `CREATE MACRO amount_of(x) AS CASE WHEN regexp_full_match(x, '-?[0-9]+([.,][0-9]+)?') THEN TRY_CAST(replace(x, ',', '.') AS DOUBLE) END`,
  referenceValues("countries", COUNTRIES),
  referenceValues("products", Object.keys(PRODUCTS)),
];

const SILVER_CLIENTS = [
  readSource("clients", clientsCsv, CLIENT_COLUMNS),
  // Fields trimmed once, then parsed, then SPEC's rules in order; duplicates among the survivors.
  `CREATE TEMP TABLE clients_judged AS
   WITH trimmed AS (SELECT rowid + 2 AS line, id_client, nom, email, date_inscription, pays,
       pays IS NULL OR _extra IS NOT NULL AS malformed,
       t(id_client) AS id_t, t(nom) AS nom_t, lower(t(email)) AS email_l, t(date_inscription) AS date_t, t(pays) AS pays_t
     FROM clients_raw),
   parsed AS (SELECT *, id_of(id_t) AS id, day_of(date_t) AS day FROM trimmed),
   ruled AS (SELECT *, CASE
       WHEN malformed THEN 'malformed_row'
       WHEN id_t IS NULL OR nom_t IS NULL OR email_l IS NULL OR date_t IS NULL THEN 'missing_field'
       WHEN NOT valid_id(id) THEN 'invalid_id'
       WHEN NOT regexp_full_match(email_l, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+') THEN 'invalid_email'
       WHEN day IS NULL THEN 'invalid_date'
       WHEN day > DATE ${str(asOf)} THEN 'future_date'
     END AS rule FROM parsed)
   SELECT *, CASE WHEN rule IS NULL AND row_number() OVER (PARTITION BY rule IS NULL, id ORDER BY line) > 1 THEN 'duplicate' ELSE rule END AS reason
   FROM ruled`,
  `COPY (SELECT id::BIGINT AS id_client, nom_t AS nom, email_l AS email, day AS date_inscription, coalesce(c.v, pays_t) AS pays
     FROM clients_judged LEFT JOIN countries c ON c.key = lower(pays_t) WHERE reason IS NULL ORDER BY line)
   TO ${str(join(silver, "clients.parquet"))} (FORMAT parquet)`,
  `COPY (SELECT id_client, nom, email, date_inscription, pays, reason, line FROM clients_judged WHERE reason IS NOT NULL
     UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, 'malformed_row', line FROM clients_too_wide ORDER BY line)
   TO ${str(join(silver, "_rejects", "clients.csv"))} (HEADER)`,
];

const SILVER_ACHATS = [
  readSource("achats", achatsCsv, ACHAT_COLUMNS),
  // Rules 1–4 first: q99 is taken over the rows that passed them.
  `CREATE TEMP TABLE achats_first AS
   WITH trimmed AS (SELECT rowid + 2 AS line, id_achat, id_client, date_achat, montant, produit,
       produit IS NULL OR _extra IS NOT NULL AS malformed,
       t(id_achat) AS ida_t, t(id_client) AS idc_t, t(date_achat) AS date_t, t(montant) AS montant_t, t(produit) AS produit_t
     FROM achats_raw),
   parsed AS (SELECT *, id_of(ida_t) AS ida, id_of(idc_t) AS idc, amount_of(montant_t) AS amount, day_of(date_t) AS day FROM trimmed)
   SELECT *, CASE
       WHEN malformed THEN 'malformed_row'
       WHEN ida_t IS NULL OR idc_t IS NULL OR date_t IS NULL OR montant_t IS NULL OR produit_t IS NULL THEN 'missing_field'
       WHEN NOT valid_id(ida) OR NOT valid_id(idc) THEN 'invalid_id'
       WHEN amount IS NULL OR NOT isfinite(amount) THEN 'invalid_amount'
       WHEN amount < 0 THEN 'negative_amount'
     END AS rule FROM parsed`,
  // quantile_cont interpolates as SPEC's q99 does.
  `CREATE TEMP TABLE achats_judged AS
   WITH bound AS (SELECT 2 * quantile_cont(amount, 0.99) AS limit_ FROM achats_first WHERE rule IS NULL),
   ruled AS (SELECT a.* REPLACE (coalesce(rule, CASE
       WHEN amount > limit_ THEN 'outlier_amount'
       WHEN day IS NULL THEN 'invalid_date'
       WHEN day > DATE ${str(asOf)} THEN 'future_date'
       WHEN day < DATE ${str(asOf)} - 3650 THEN 'too_old'
     END) AS rule) FROM achats_first a, bound)
   SELECT *, CASE WHEN rule IS NULL AND row_number() OVER (PARTITION BY rule IS NULL, ida ORDER BY line) > 1 THEN 'duplicate' ELSE rule END AS reason
   FROM ruled`,
  `COPY (SELECT ida::BIGINT AS id_achat, idc::BIGINT AS id_client, day AS date_achat, amount AS montant, coalesce(p.v, produit_t) AS produit
     FROM achats_judged LEFT JOIN products p ON p.key = lower(produit_t) WHERE reason IS NULL ORDER BY line)
   TO ${str(join(silver, "achats.parquet"))} (FORMAT parquet)`,
  `COPY (SELECT id_achat, id_client, date_achat, montant, produit, reason, line FROM achats_judged WHERE reason IS NOT NULL
     UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, 'malformed_row', line FROM achats_too_wide ORDER BY line)
   TO ${str(join(silver, "_rejects", "achats.csv"))} (HEADER)`,
];

/** ca_total, panier_moyen, nb_achats, nb_clients of a group of fact rows. */
const GROUP_FIGURES = "sum(montant) AS ca_total, sum(montant) / count(*) AS panier_moyen, count(*) AS nb_achats, count(DISTINCT id_client) AS nb_clients";

const GOLD_TABLES: Record<string, string> = {
  fact_achats: "SELECT * FROM fact ORDER BY id_achat",
  dim_clients: `SELECT * FROM read_parquet(${str(join(silver, "clients.parquet"))}) ORDER BY id_client`,
  dim_produits: "SELECT row_number() OVER (ORDER BY produit) AS id_produit, produit FROM (SELECT DISTINCT produit FROM fact) ORDER BY produit",
  dim_dates: `SELECT row_number() OVER (ORDER BY d) AS id_date, d AS date, day(d)::BIGINT AS jour, month(d)::BIGINT AS mois, year(d)::BIGINT AS annee,
     dayname(d) AS jour_semaine, week(d)::BIGINT AS semaine, quarter(d)::BIGINT AS trimestre
     FROM (SELECT DISTINCT date_achat AS d FROM fact) ORDER BY d`,
  agg_jour: `SELECT date_achat AS date, ${GROUP_FIGURES} FROM fact GROUP BY date_achat ORDER BY date`,
  agg_semaine: `SELECT strftime(date_achat, '%G-W%V') AS semaine, min(date_trunc('week', date_achat))::DATE AS date_debut, ${GROUP_FIGURES}
     FROM fact GROUP BY semaine ORDER BY semaine`,
  agg_mois: `SELECT strftime(date_achat, '%Y-%m') AS mois, ${GROUP_FIGURES} FROM fact GROUP BY mois ORDER BY mois`,
  ca_par_pays: `SELECT pays, ${GROUP_FIGURES} FROM fact WHERE pays IS NOT NULL GROUP BY pays ORDER BY ca_total DESC, pays`,
  ca_par_produit: `SELECT produit, ${GROUP_FIGURES}, sum(montant) / (SELECT sum(montant) FROM fact) * 100 AS part_ca
     FROM fact GROUP BY produit ORDER BY ca_total DESC, produit`,
  kpis: `WITH months AS (SELECT strftime(date_achat, '%Y-%m') AS mois, sum(montant) AS ca FROM fact GROUP BY mois),
     last2 AS (SELECT ca, row_number() OVER (ORDER BY mois DESC) AS n FROM months),
     per_client AS (SELECT sum(montant) AS total FROM fact GROUP BY id_client)
     SELECT coalesce(sum(montant), 0) AS ca_total, count(*) AS nb_achats_total, sum(montant) / count(*) AS panier_moyen,
       count(DISTINCT id_client) AS nb_clients_uniques, (SELECT avg(total) FROM per_client) AS montant_moyen_par_client,
       (SELECT (max(ca) FILTER (n = 1) - max(ca) FILTER (n = 2)) / nullif(max(ca) FILTER (n = 2), 0) * 100 FROM last2) AS taux_croissance_mensuel,
       median(montant) AS montant_median, stddev_samp(montant) AS montant_std, min(montant) AS montant_min, max(montant) AS montant_max
     FROM fact`,
};

const GOLD = [
  `CREATE TEMP TABLE fact AS SELECT a.id_achat, a.id_client, a.date_achat, a.montant, a.produit, c.nom, c.email, c.date_inscription, c.pays
   FROM read_parquet(${str(join(silver, "achats.parquet"))}) a LEFT JOIN read_parquet(${str(join(silver, "clients.parquet"))}) c ON c.id_client = a.id_client`,
  ...Object.entries(GOLD_TABLES).flatMap(([name, query]) => [
    `CREATE TEMP TABLE gold_${name} AS ${query}`,
    `COPY gold_${name} TO ${str(join(gold, `${name}.parquet`))} (FORMAT parquet)`,
    `COPY gold_${name} TO ${str(join(gold, `${name}.csv`))} (HEADER)`,
  ]),
];

const started = performance.now();
const duck = await (await DuckDBInstance.create(":memory:", { temp_directory: join(outDir, "spill") })).connect();
for (const sql of [...SETUP, ...SILVER_CLIENTS, ...SILVER_ACHATS, ...GOLD]) await duck.run(sql);
const ms = performance.now() - started;

/** Counts for the bench's check that this did SPEC's work: kept rows and rejects per reason. */
async function counts(judged: string, tooWide: string) {
  const rows = (await duck.runAndReadAll(`SELECT reason, count(*)::INTEGER AS n FROM ${judged} GROUP BY reason
    UNION ALL SELECT 'malformed_row', count(*)::INTEGER FROM ${tooWide}`)).getRowObjectsJson();
  const out: Record<string, number> = {};
  for (const { reason, n } of rows) {
    const key = String(reason ?? "kept");
    out[key] = (out[key] ?? 0) + Number(n);
  }
  return out;
}
const [clients, achats] = [await counts("clients_judged", "clients_too_wide"), await counts("achats_judged", "achats_too_wide")];
process.stdout.write(JSON.stringify({ ms, clients, achats }) + "\n");
