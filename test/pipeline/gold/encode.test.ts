import { expect, test } from "bun:test";
import { parquetMetadata } from "hyparquet";
import { readParquetRows } from "../../../src/formats/parquet.ts";
import { GoldBuilder } from "../../../src/pipeline/gold/build.ts";
import { tableCsvChunks, tableParquetChunks } from "../../../src/pipeline/gold/encode.ts";
import { rowsOf } from "../../../src/pipeline/gold/gold-table.ts";

function tables() {
  const builder = new GoldBuilder([
    { id_client: 1, nom: 'Dupont, "Jo"', email: "jo@x.fr", date_inscription: "2020-01-01", pays: "France" },
  ]);
  builder.add({ id_achat: 3, id_client: 1, date_achat: "2024-01-02", montant: 10.5, produit: "Mouse" });
  builder.add({ id_achat: 1, id_client: 2, date_achat: "2024-01-02", montant: 0.1, produit: "Mouse" });
  builder.add({ id_achat: 2, id_client: 1, date_achat: "2024-01-03", montant: -0, produit: "Webcam" });
  return builder.finish();
}

test("CSV: header, RFC 4180 quoting, nulls empty, -0 as 0; batches concatenate to the same text", () => {
  const fact = tables().fact_achats;
  const expected =
    "id_achat,id_client,date_achat,montant,produit,nom,email,date_inscription,pays\n" +
    "1,2,2024-01-02,0.1,Mouse,,,,\n" +
    '2,1,2024-01-03,0,Webcam,"Dupont, ""Jo""",jo@x.fr,2020-01-01,France\n' +
    '3,1,2024-01-02,10.5,Mouse,"Dupont, ""Jo""",jo@x.fr,2020-01-01,France\n';
  expect([...tableCsvChunks(fact)].join("")).toBe(expected);
  const small = [...tableCsvChunks(fact, 2)];
  expect(small.length).toBe(3); // header, rows 1–2, row 3
  expect(small.join("")).toBe(expected);
});

test("CSV of the empty case: kpis zeros and empty fields, other tables a header alone", () => {
  const empty = new GoldBuilder([]).finish();
  expect([...tableCsvChunks(empty.kpis)].join("")).toBe(
    "ca_total,nb_achats_total,panier_moyen,nb_clients_uniques,montant_moyen_par_client,taux_croissance_mensuel,montant_median,montant_std,montant_min,montant_max\n" +
      "0,0,,0,,,,,,\n",
  );
  expect([...tableCsvChunks(empty.dim_produits)].join("")).toBe("id_produit,produit\n");
});

test("Parquet: row groups of the requested size, rows back as the table gives them", async () => {
  const fact = tables().fact_achats;
  const file = Buffer.concat([...tableParquetChunks(fact, 2)]);
  expect(parquetMetadata(file.buffer as ArrayBuffer).row_groups.map((g) => Number(g.num_rows))).toEqual([2, 1]);
  const rows: unknown[] = [];
  for await (const batch of readParquetRows(file, fact.columns)) rows.push(...batch);
  expect(rows).toEqual(rowsOf(fact, 0, fact.rowCount));
});
