import { expect, test } from "bun:test";
import { parquetMetadata } from "hyparquet";
import { csvLine } from "../../../src/formats/csv.ts";
import { readParquetRows } from "../../../src/formats/parquet.ts";
import { goldOf } from "./silver-batches.ts";
import { tableCsvChunks } from "../../../src/formats/csv-writer/table.ts";
import { tableParquetChunks } from "../../../src/formats/parquet-table.ts";
import { rowsOf } from "../../../src/columnar/table.ts";
import type { GoldTable, GoldTables } from "../../../src/pipeline/gold/tables/built-table.ts";
import { GOLD_TABLE_NAMES } from "../../../src/contract/gold-tables.ts";
import type { Achat, Client } from "../../../src/contract/sources.ts";

function tables() {
  return goldOf(
    [{ id_client: 1, nom: 'Dupont, "Jo"', email: "jo@x.fr", date_inscription: "2020-01-01", pays: "France" }],
    [
      { id_achat: 3, id_client: 1, date_achat: "2024-01-02", montant: 10.5, produit: "Mouse" },
      { id_achat: 1, id_client: 2, date_achat: "2024-01-02", montant: 0.1, produit: "Mouse" },
      { id_achat: 2, id_client: 1, date_achat: "2024-01-03", montant: -0, produit: "Webcam" },
    ],
  );
}

/** The chunks' text, each copied as it comes: a chunk is only valid until the next is asked for. */
/** The chunks' bytes, each copied as it comes: a chunk is valid only until the next is asked for. */
const bytes = (chunks: Iterable<Uint8Array>) => Buffer.concat(Array.from(chunks, (chunk) => Buffer.from(chunk)));
const text = (chunks: Iterable<Uint8Array>) => bytes(chunks).toString("utf8");

/** The table as csvLine spells each row: what the byte encoder must reproduce exactly. */
function reference(table: GoldTable): string {
  const rows = rowsOf(table, 0, table.rowCount).map((row) => csvLine(table.columns.map((c) => row[c.name])));
  return csvLine(table.columns.map((c) => c.name)) + rows.join("");
}

test("CSV: header, RFC 4180 quoting, nulls empty, -0 as 0", () => {
  const fact = tables().fact_achats;
  const expected =
    "id_achat,id_client,date_achat,montant,produit,nom,email,date_inscription,pays\n" +
    "1,2,2024-01-02,0.1,Mouse,,,,\n" +
    '2,1,2024-01-03,0,Webcam,"Dupont, ""Jo""",jo@x.fr,2020-01-01,France\n' +
    '3,1,2024-01-02,10.5,Mouse,"Dupont, ""Jo""",jo@x.fr,2020-01-01,France\n';
  expect(text(tableCsvChunks(fact))).toBe(expected);
});

test("CSV of the empty case: kpis zeros and empty fields, other tables a header alone", () => {
  const empty = goldOf([], []);
  expect(text(tableCsvChunks(empty.kpis))).toBe(
    "ca_total,nb_achats_total,panier_moyen,nb_clients_uniques,montant_moyen_par_client,taux_croissance_mensuel,montant_median,montant_std,montant_min,montant_max\n" +
      "0,0,,0,,,,,,\n",
  );
  expect(text(tableCsvChunks(empty.dim_produits))).toBe("id_produit,produit\n");
});

// Values that csvField quotes or spells in a particular way, in every column they can reach.
const TRICKY_TEXT = [
  'say "hi"',
  "a,b",
  "line\nbreak",
  "carriage\rreturn",
  " leading space",
  "trailing tab\t",
  "\u00a0no-break space",
  "ideographic space\u3000",
  "\u2003em space first",
  "\ufeffbyte-order mark\ufeff",
  "zero width\u200b", // not a trim character: not quoted
  "Émile Zoé",
  "\u{1F600} emoji",
  "emoji last \u{1F600}",
  "plain",
];
const TRICKY_AMOUNTS = [-0, 0, 0.1 + 0.2, 1e21, 1e-7, 123.45, 0.05, 99.99, 1e13 + 0.5, 2 ** 53 + 2, 1234567.891, 5e-324, 1.7976931348623157e308];
const TRICKY_IDS = [1, 9, 10, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 999_999_999_999, Number.MAX_SAFE_INTEGER];

function trickyTables(texts = TRICKY_TEXT): GoldTables {
  const clients: Client[] = texts.map((t, i) => ({
    id_client: TRICKY_IDS[i % TRICKY_IDS.length]! + i,
    nom: t,
    email: `${t}@x.fr`,
    date_inscription: ["0001-01-01", "1899-12-31", "2024-02-29", "9999-12-31"][i % 4]!,
    pays: i % 3 === 0 ? null : t,
  }));
  const achats: Achat[] = [];
  for (let i = 0; i < 300; i++) {
    achats.push({
      id_achat: TRICKY_IDS[i % TRICKY_IDS.length]! * 7 + i,
      id_client: i % 17 === 0 ? 424242 : clients[i % clients.length]!.id_client, // some orphans
      date_achat: ["1900-01-01", "2024-12-30", "2099-12-31", "2100-01-01", "1970-01-01"][i % 5]!,
      montant: TRICKY_AMOUNTS[i % TRICKY_AMOUNTS.length]!,
      produit: texts[(i * 7) % texts.length]!,
    });
  }
  return goldOf(clients, achats, 64);
}

test("every table's CSV bytes are csvLine's text, on values that need quoting or special spelling", () => {
  const tricky = trickyTables();
  for (const name of GOLD_TABLE_NAMES) {
    expect(text(tableCsvChunks(tricky[name]))).toBe(reference(tricky[name]));
  }
  // the cases above did reach the output
  const fact = text(tableCsvChunks(tricky.fact_achats));
  for (const spelled of ['"say ""hi"""', '"\u00a0no-break space"', "zero width\u200b", ",0,", ",1e+21,", ",5e-324,", ",1e-7,"]) {
    expect(fact).toContain(spelled);
  }
});

test("CSV chunks and batches of any size concatenate to the same bytes", () => {
  const tricky = trickyTables();
  for (const name of ["fact_achats", "dim_clients", "agg_jour"] as const) {
    const whole = text(tableCsvChunks(tricky[name]));
    expect(text(tableCsvChunks(tricky[name], 7, 64))).toBe(whole);
    expect(text(tableCsvChunks(tricky[name], 1, 1))).toBe(whole);
  }
  expect(Array.from(tableCsvChunks(tricky.fact_achats, 7, 64)).length).toBeGreaterThan(40);
});

test("Parquet: row groups of the requested size, rows back as the table gives them", async () => {
  const fact = tables().fact_achats;
  const file = bytes(tableParquetChunks(fact, 2));
  expect(parquetMetadata(file.buffer as ArrayBuffer).row_groups.map((g) => Number(g.num_rows))).toEqual([2, 1]);
  const rows: unknown[] = [];
  for await (const batch of readParquetRows(file, fact.columns)) rows.push(...batch);
  expect(rows).toEqual(rowsOf(fact, 0, fact.rowCount));
});

test("Parquet of every table reads back as the table gives it, tricky values included", async () => {
  // The readers decode strings with TextDecoder's defaults, which drop a leading U+FEFF (silver
  // trims it away, so none reaches gold from there); the writer keeps it, as checked below.
  const tricky = trickyTables(TRICKY_TEXT.map((t) => t.replace(/^\ufeff/, "")));
  const withMark = bytes(tableParquetChunks(trickyTables().dim_clients));
  expect(withMark.includes(Buffer.from("\ufeffbyte-order mark\ufeff"))).toBe(true);
  for (const name of GOLD_TABLE_NAMES) {
    const table = tricky[name];
    const file = bytes(tableParquetChunks(table, 40));
    const rows: unknown[] = [];
    for await (const batch of readParquetRows(file, table.columns)) rows.push(...batch);
    expect(rows).toEqual(rowsOf(table, 0, table.rowCount));
  }
});

test("a value of megabytes is written whole, without a scratch buffer sized for thousands of them", () => {
  const long = `${"N".repeat(2 << 20)}, "quoted"`;
  const dim = trickyTables([long, "short", "plain"]).dim_clients;
  const csv = text(tableCsvChunks(dim));
  expect(csv).toBe(reference(dim));
  expect(csv.includes(`"${long.replaceAll('"', '""')}"`)).toBe(true);
});
