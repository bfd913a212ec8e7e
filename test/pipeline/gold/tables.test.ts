import { describe, expect, test } from "bun:test";
import { rowsOf } from "../../../src/columnar/table.ts";
import type { GoldTable, GoldTables } from "../../../src/pipeline/gold/tables/built-table.ts";
import { GOLD_TABLES, GOLD_TABLE_NAMES } from "../../../src/contract/gold-tables.ts";
import type { Cell, ColumnDef } from "../../../src/contract/columns.ts";
import { ParquetStreamWriter, readParquetIndexed } from "../../../src/formats/parquet.ts";
import { SILVER_ACHAT_TYPES, SILVER_CLIENT_TYPES } from "../../../src/contract/silver-tables.ts";
import type { Achat, Client } from "../../../src/contract/sources.ts";
import { GoldAccumulator } from "../../../src/pipeline/gold/state/accumulate.ts";
import { goldTables } from "../../../src/pipeline/gold/tables/index.ts";
import { goldOf } from "./silver-batches.ts";

const EMOJI = "\u{1F600}"; // above U+FFFF: a surrogate pair in UTF-16, after every BMP character in byte order
const FULLWIDTH_A = "\uFF21"; // U+FF21: sorts before EMOJI by code point, after it by UTF-16 unit

const client = (id_client: number, nom: string, date_inscription: string, pays: string | null): Client => ({
  id_client,
  nom,
  email: `${nom.toLowerCase()}@x.fr`,
  date_inscription,
  pays,
});
const achat = (id_achat: number, id_client: number, date_achat: string, montant: number, produit: string): Achat => ({
  id_achat,
  id_client,
  date_achat,
  montant,
  produit,
});

// Clients out of id order; 4 (Belgium) buys nothing; 6 has no country; 99 is not a client (orphan).
const CLIENTS = [
  client(3, "Zoé", "2020-01-05", "France"),
  client(1, "Émile", "2019-06-01", "Germany"),
  client(2, "zed", "2020-02-02", "Spain"),
  client(4, "Ana", "2020-03-03", "Belgium"),
  client(5, "Bo", "2020-04-04", "Spain"),
  client(6, "Lou", "2020-05-05", null),
];
// Amounts are exact binary fractions, so every sum is exact whatever the order of addition.
// 2020-12-31 (Thu) and 2021-01-03 (Sun) are ISO week 2020-W53; 2021-01-04 is the Monday of 2021-W01.
const ACHATS = [
  achat(10, 3, "2020-12-31", 100, "Laptop"),
  achat(2, 1, "2020-12-31", 50, "Phone"),
  achat(7, 99, "2021-01-03", 30, "Phone"),
  achat(5, 2, "2021-01-04", 20.5, "Écran"),
  achat(1, 3, "2021-01-04", 80, "Zoom"),
  achat(9, 5, "2021-01-04", 0.25, EMOJI),
  achat(4, 1, "2021-01-04", 130, FULLWIDTH_A),
  achat(3, 6, "2021-01-05", 0.75, "zed"),
  // Zoé again, the same day, product, week and month as before: distinct counts must count her once.
  achat(6, 3, "2021-01-04", 0, "Laptop"),
];
const TOTAL = 411.5;

const build = (clients: Client[], achats: Achat[]): GoldTables => goldOf(clients, achats);

/** Rows as arrays of cells, in column order: compact to write out by hand. */
function cells(table: GoldTable): Cell[][] {
  return rowsOf(table, 0, table.rowCount).map((row) => table.columns.map((c) => row[c.name] ?? null));
}

const kpi = (tables: GoldTables) => rowsOf(tables.kpis, 0, 1)[0]!;

describe("gold tables of the hand-worked fixture", () => {
  const tables = build(CLIENTS, ACHATS);

  test("every table has SPEC's columns in order", () => {
    for (const name of GOLD_TABLE_NAMES) {
      expect(tables[name].name).toBe(name);
      expect(tables[name].columns.map((c) => c.name)).toEqual(GOLD_TABLES[name].columns.map((c) => c.name));
    }
  });

  test("fact_achats: sorted by id_achat, client columns joined, null for the orphan", () => {
    expect(cells(tables.fact_achats)).toEqual([
      [1, 3, "2021-01-04", 80, "Zoom", "Zoé", "zoé@x.fr", "2020-01-05", "France"],
      [2, 1, "2020-12-31", 50, "Phone", "Émile", "émile@x.fr", "2019-06-01", "Germany"],
      [3, 6, "2021-01-05", 0.75, "zed", "Lou", "lou@x.fr", "2020-05-05", null],
      [4, 1, "2021-01-04", 130, FULLWIDTH_A, "Émile", "émile@x.fr", "2019-06-01", "Germany"],
      [5, 2, "2021-01-04", 20.5, "Écran", "zed", "zed@x.fr", "2020-02-02", "Spain"],
      [6, 3, "2021-01-04", 0, "Laptop", "Zoé", "zoé@x.fr", "2020-01-05", "France"],
      [7, 99, "2021-01-03", 30, "Phone", null, null, null, null],
      [9, 5, "2021-01-04", 0.25, EMOJI, "Bo", "bo@x.fr", "2020-04-04", "Spain"],
      [10, 3, "2020-12-31", 100, "Laptop", "Zoé", "zoé@x.fr", "2020-01-05", "France"],
    ]);
  });

  test("fact_achats slices agree with the whole table", () => {
    const whole = cells(tables.fact_achats);
    const pieces = [0, 4, 8].flatMap((start) =>
      rowsOf(tables.fact_achats, start, start + 4).map((row) => tables.fact_achats.columns.map((c) => row[c.name] ?? null)),
    );
    expect(pieces).toEqual(whole);
  });

  test("kpis", () => {
    expect(kpi(tables)).toEqual({
      ca_total: TOTAL,
      nb_achats_total: 9,
      panier_moyen: TOTAL / 9,
      // clients 1, 2, 3, 5, 6 and the orphan 99
      nb_clients_uniques: 6,
      // totals 180 + 20.5 + 180 + 0.25 + 0.75 + 30 = 411.5 over 6 clients
      montant_moyen_par_client: 411.5 / 6,
      // 2020-12: 150, 2021-01: 261.5
      taux_croissance_mensuel: ((261.5 - 150) / 150) * 100,
      // sorted: 0 0.25 0.75 20.5 | 30 | 50 80 100 130
      montant_median: 30,
      // mean 823/18; squared deviations sum to 1318045/72
      montant_std: expect.closeTo(Math.sqrt(1318045 / 72 / 8), 12),
      montant_min: 0,
      montant_max: 130,
    });
  });

  test("dim_clients: every kept client (buyer or not), by id_client", () => {
    expect(cells(tables.dim_clients)).toEqual([
      [1, "Émile", "émile@x.fr", "2019-06-01", "Germany"],
      [2, "zed", "zed@x.fr", "2020-02-02", "Spain"],
      [3, "Zoé", "zoé@x.fr", "2020-01-05", "France"],
      [4, "Ana", "ana@x.fr", "2020-03-03", "Belgium"],
      [5, "Bo", "bo@x.fr", "2020-04-04", "Spain"],
      [6, "Lou", "lou@x.fr", "2020-05-05", null],
    ]);
  });

  test("dim_produits: byte order, so the fullwidth A comes before the emoji", () => {
    expect(cells(tables.dim_produits)).toEqual([
      [1, "Laptop"],
      [2, "Phone"],
      [3, "Zoom"],
      [4, "zed"],
      [5, "Écran"],
      [6, FULLWIDTH_A],
      [7, EMOJI],
    ]);
    // JavaScript's default sort would have put them the other way round.
    expect([FULLWIDTH_A, EMOJI].sort()).toEqual([EMOJI, FULLWIDTH_A]);
  });

  test("dim_dates: integer parts, English weekday, ISO week number, quarter", () => {
    expect(cells(tables.dim_dates)).toEqual([
      [1, "2020-12-31", 31, 12, 2020, "Thursday", 53, 4],
      [2, "2021-01-03", 3, 1, 2021, "Sunday", 53, 1],
      [3, "2021-01-04", 4, 1, 2021, "Monday", 1, 1],
      [4, "2021-01-05", 5, 1, 2021, "Tuesday", 1, 1],
    ]);
  });

  test("agg_jour", () => {
    expect(cells(tables.agg_jour)).toEqual([
      ["2020-12-31", 150, 75, 2, 2],
      ["2021-01-03", 30, 30, 1, 1],
      ["2021-01-04", 230.75, 230.75 / 5, 5, 4],
      ["2021-01-05", 0.75, 0.75, 1, 1],
    ]);
  });

  test("agg_semaine: ISO week-year labels and Mondays across the new year", () => {
    expect(cells(tables.agg_semaine)).toEqual([
      ["2020-W53", "2020-12-28", 180, 60, 3, 3],
      ["2021-W01", "2021-01-04", 231.5, 231.5 / 6, 6, 5],
    ]);
  });

  test("agg_mois", () => {
    expect(cells(tables.agg_mois)).toEqual([
      ["2020-12", 150, 75, 2, 2],
      ["2021-01", 261.5, 261.5 / 7, 7, 6],
    ]);
  });

  test("ca_par_pays: countries with sales only, the France–Germany tie broken by name", () => {
    expect(cells(tables.ca_par_pays)).toEqual([
      ["France", 180, 60, 3, 1],
      ["Germany", 180, 90, 2, 1],
      ["Spain", 20.75, 10.375, 2, 2],
    ]);
  });

  test("ca_par_produit: ca descending, the Phone–Zoom tie broken by name, part_ca in percent", () => {
    const share = (ca: number) => (ca / TOTAL) * 100;
    expect(cells(tables.ca_par_produit)).toEqual([
      [FULLWIDTH_A, 130, 130, 1, 1, share(130)],
      ["Laptop", 100, 50, 2, 1, share(100)],
      ["Phone", 80, 40, 2, 2, share(80)],
      ["Zoom", 80, 80, 1, 1, share(80)],
      ["Écran", 20.5, 20.5, 1, 1, share(20.5)],
      ["zed", 0.75, 0.75, 1, 1, share(0.75)],
      [EMOJI, 0.25, 0.25, 1, 1, share(0.25)],
    ]);
  });

  test("totals agree across tables (exactly: every amount is a binary fraction)", () => {
    const sum = (table: GoldTable, column: string) =>
      rowsOf(table, 0, table.rowCount).reduce((acc, row) => acc + (row[column] as number), 0);
    for (const table of [tables.agg_jour, tables.agg_semaine, tables.agg_mois, tables.ca_par_produit]) {
      expect(sum(table, "ca_total")).toBe(TOTAL);
      expect(sum(table, "nb_achats")).toBe(9);
    }
    // ca_par_pays leaves out the purchases whose client has no country: the orphan's 30 and Lou's 0.75.
    expect(sum(tables.ca_par_pays, "ca_total") + 30 + 0.75).toBe(TOTAL);
    expect(sum(tables.ca_par_pays, "nb_achats") + 2).toBe(9);
    expect(sum(tables.ca_par_produit, "part_ca")).toBeCloseTo(100, 10);
  });
});

describe("edge cases", () => {
  test("no purchase: kpis is zeros and nulls, every other table is empty (dim_clients too)", () => {
    const tables = build(CLIENTS, []);
    expect(cells(tables.kpis)).toEqual([[0, 0, null, 0, null, null, null, null, null, null]]);
    for (const name of GOLD_TABLE_NAMES.filter((n) => n !== "kpis")) expect(tables[name].rowCount).toBe(0);
  });

  test("one purchase, one month: taux and std are null, the median is the amount", () => {
    const k = kpi(build([], [achat(1, 1, "2024-03-10", 12.5, "Mouse")]));
    expect(k).toMatchObject({
      ca_total: 12.5,
      nb_achats_total: 1,
      panier_moyen: 12.5,
      nb_clients_uniques: 1,
      montant_moyen_par_client: 12.5,
      taux_croissance_mensuel: null,
      montant_median: 12.5,
      montant_std: null,
    });
  });

  test("even count median: the mean of the two middle amounts", () => {
    const k = kpi(
      build(
        [],
        [10, 40, 20, 35].map((montant, i) => achat(i + 1, 1, "2024-01-10", montant, "Mouse")),
      ),
    );
    expect(k.montant_median).toBe(27.5);
  });

  test("odd count median, and the growth rate uses only the last two months in order", () => {
    const k = kpi(
      build(
        [],
        [
          achat(1, 1, "2024-03-01", 30, "Mouse"),
          achat(2, 1, "2024-01-15", 10, "Mouse"),
          achat(3, 2, "2024-02-01", 5, "Mouse"),
          achat(4, 2, "2024-02-20", 15, "Mouse"),
          achat(5, 3, "2024-03-31", 20, "Mouse"),
        ],
      ),
    );
    // months 2024-01: 10, 2024-02: 20, 2024-03: 50 → (50 − 20) / 20 × 100
    expect(k.taux_croissance_mensuel).toBe(150);
    expect(k.montant_median).toBe(15);
    // mean 16; deviations 14, -6, -11, -1, 4 → squares sum to 370
    expect(k.montant_std).toBe(Math.sqrt(370 / 4));
  });

  test("a previous month with ca 0 gives a null growth rate; all-zero ca gives null part_ca", () => {
    const zeros = build([], [achat(1, 1, "2024-01-10", 0, "Mouse"), achat(2, 1, "2024-02-10", 0, "Mouse")]);
    expect(kpi(zeros).taux_croissance_mensuel).toBeNull();
    expect(kpi(zeros).panier_moyen).toBe(0);
    expect(cells(zeros.ca_par_produit)).toEqual([["Mouse", 0, 0, 2, 1, null]]);

    const fromZero = build([], [achat(1, 1, "2024-01-10", 0, "Mouse"), achat(2, 1, "2024-02-10", 8, "Mouse")]);
    expect(kpi(fromZero).taux_croissance_mensuel).toBeNull();
  });

  test("only orphans: no country rows, client columns all null", () => {
    const tables = build([], [achat(2, 8, "2024-01-10", 5, "Mouse"), achat(1, 9, "2024-01-10", 7, "Mouse")]);
    expect(tables.ca_par_pays.rowCount).toBe(0);
    expect(cells(tables.fact_achats)).toEqual([
      [1, 9, "2024-01-10", 7, "Mouse", null, null, null, null],
      [2, 8, "2024-01-10", 5, "Mouse", null, null, null, null],
    ]);
    expect(kpi(tables).nb_clients_uniques).toBe(2);
  });

  test("a client id given twice keeps its first row, as silver's dedupe does", () => {
    const tables = build(
      [client(1, "First", "2020-01-01", "France"), client(1, "Second", "2021-01-01", "Spain")],
      [achat(1, 1, "2024-01-10", 5, "Mouse")],
    );
    expect(cells(tables.dim_clients)).toEqual([[1, "First", "first@x.fr", "2020-01-01", "France"]]);
    expect(cells(tables.ca_par_pays)).toEqual([["France", 5, 5, 1, 1]]);
  });

  test("ids up to 2^53−1 sort and survive", () => {
    const big = Number.MAX_SAFE_INTEGER;
    const tables = build(
      [client(big, "Max", "2020-01-01", "UK")],
      [achat(big, big, "2024-01-10", 1, "Mouse"), achat(2 ** 40, big, "2024-01-10", 2, "Mouse"), achat(3, big, "2024-01-11", 3, "Mouse")],
    );
    expect(cells(tables.fact_achats).map((r) => [r[0], r[1]])).toEqual([
      [3, big],
      [2 ** 40, big],
      [big, big],
    ]);
    expect(cells(tables.dim_clients)[0]![0]).toBe(big);
  });

  test("columns as silver's Parquet reads back build the same tables as the test helper's batches", async () => {
    // Through the writer and readParquetIndexed, in row groups of 2: what gold reads, dictionaries included.
    async function* batches<T extends object>(rows: T[], types: readonly ColumnDef[]) {
      const writer = new ParquetStreamWriter(types);
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < rows.length; at += 2) {
        const group = rows.slice(at, at + 2);
        chunks.push(...writer.writeBatch(types.map((t) => group.map((r) => (r as Record<string, Cell>)[t.name] ?? null)), group.length));
      }
      chunks.push(...writer.finish());
      yield* readParquetIndexed(Buffer.concat(chunks), types);
    }
    const accumulator = new GoldAccumulator();
    // A second, later copy of client 3 under another name: ignored, as silver keeps the first.
    for await (const { rowCount, values } of batches([...CLIENTS, client(3, "Other", "2020-01-01", "Peru")], SILVER_CLIENT_TYPES)) {
      accumulator.addClientColumns(values, rowCount);
    }
    for await (const { rowCount, values } of batches(ACHATS, SILVER_ACHAT_TYPES)) accumulator.addPurchaseColumns(values, rowCount);
    const viaParquet = goldTables(accumulator.finish());
    const viaHelper = build(CLIENTS, ACHATS);
    for (const name of GOLD_TABLE_NAMES) expect(cells(viaParquet[name])).toEqual(cells(viaHelper[name]));
  });
});

describe("a larger generated set", () => {
  // A deterministic pseudo-random stream: ids shuffled, amounts with cents (inexact in binary).
  function generated(n: number): { clients: Client[]; achats: Achat[] } {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const countries = ["France", "Spain", "UK", null];
    const clients = Array.from({ length: 200 }, (_, i) => client(i + 1, `C${i}`, "2020-01-01", countries[i % 4]!));
    const ids = Array.from({ length: n }, (_, i) => i + 1).sort(() => next() - 0.5);
    const achats = ids.map((id) => {
      const day = 1 + Math.floor(next() * 28);
      const month = 1 + Math.floor(next() * 12);
      return achat(
        id,
        1 + Math.floor(next() * 250), // some above 200: orphans
        `2023-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
        Math.round(next() * 100000) / 100,
        ["Laptop", "Phone", "Mouse", "Écran"][Math.floor(next() * 4)]!,
      );
    });
    return { clients, achats };
  }

  test("sums agree within rounding, counts exactly, and distinct counts match a Set", () => {
    const { clients, achats } = generated(20_000);
    const tables = build(clients, achats);
    const k = kpi(tables);
    const total = k.ca_total as number;
    for (const table of [tables.agg_jour, tables.agg_semaine, tables.agg_mois, tables.ca_par_produit]) {
      const rows = rowsOf(table, 0, table.rowCount);
      expect(rows.reduce((a, r) => a + (r.ca_total as number), 0)).toBeCloseTo(total, 4);
      expect(rows.reduce((a, r) => a + (r.nb_achats as number), 0)).toBe(20_000);
    }
    const byMonth = new Map<string, Set<number>>();
    for (const a of achats) {
      const month = a.date_achat.slice(0, 7);
      if (!byMonth.has(month)) byMonth.set(month, new Set());
      byMonth.get(month)!.add(a.id_client);
    }
    expect(rowsOf(tables.agg_mois, 0, 12).map((r) => [r.mois, r.nb_clients])).toEqual(
      [...byMonth.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([m, s]) => [m, s.size]),
    );
    expect(k.nb_clients_uniques).toBe(new Set(achats.map((a) => a.id_client)).size);
    const ids = rowsOf(tables.fact_achats, 0, 20_000).map((r) => r.id_achat);
    expect(ids).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
    const sorted = achats.map((a) => a.montant).sort((a, b) => a - b);
    expect(k.montant_median).toBe((sorted[9999]! + sorted[10000]!) / 2);
    expect(k.montant_min).toBe(sorted[0]!);
    expect(k.montant_max).toBe(sorted.at(-1)!);
  });
});
