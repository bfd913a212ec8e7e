import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readParquetRows } from "../../src/formats/parquet.ts";
import { objectAsyncBuffer } from "../../src/pipeline/stored-parquet.ts";
import type { GenerateFilesReport } from "../../src/pipeline/generate/index.ts";
import { GOLD_TABLES, type GoldTableName } from "../../src/contract/gold-tables.ts";
import type { Row } from "../../src/contract/columns.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import type { FolderStore } from "../../src/storage/folder.ts";
import { generatedLake, type GeneratedLake } from "../support/generated-lake.ts";

/**
 * The generator says which defects it injected; silver must find exactly those, and gold
 * built from the result must agree with itself across tables.
 */

let generated: GeneratedLake;
let store: FolderStore;
let report: GenerateFilesReport;
let record: RunRecord;

beforeAll(async () => {
  generated = await generatedLake({ clients: 800, avgPurchases: 6, seed: 2026, asOf: "2026-06-30", dirtyRate: 0.05 });
  ({ store, report, record } = generated);
}, 60_000);
afterAll(() => generated.dispose());

async function table(name: GoldTableName): Promise<Row[]> {
  const rows: Row[] = [];
  const file = await objectAsyncBuffer(store, "gold", `${name}.parquet`);
  for await (const batch of readParquetRows(file, GOLD_TABLES[name].columns)) rows.push(...batch);
  return rows;
}
const sum = (rows: Row[], column: string) => rows.reduce((a, r) => a + (r[column] as number), 0);

describe("silver on generated data", () => {
  test("finds exactly the defects the generator injected, and its orphans", () => {
    expect(record.error).toBeUndefined();
    const silver = record.tasks.find((t) => t.name === "silver")!.metrics as any;
    expect(silver.clients.rejects).toEqual(report.clients.defects);
    expect(silver.achats.rejects).toEqual(report.achats.defects);
    expect(silver.achats.orphans).toBe(report.achats.orphans);
    expect(silver.clients.rows_in).toBe(report.clients.rows);
    expect(silver.achats.rows_in).toBe(report.achats.rows);
    for (const defects of [report.clients.defects, report.achats.defects]) {
      for (const [code, n] of Object.entries(defects)) expect([code, n > 0]).toEqual([code, true]);
    }
  });
});

describe("gold on generated data agrees with itself", () => {
  test("every aggregate adds up to the KPIs", async () => {
    const [kpis] = await table("kpis");
    const fact = await table("fact_achats");
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-6 * Math.max(1, Math.abs(b)));
    expect(kpis!.nb_achats_total).toBe(fact.length);
    close(sum(fact, "montant"), kpis!.ca_total as number);
    for (const name of ["agg_jour", "agg_semaine", "agg_mois", "ca_par_produit"] as const) {
      const rows = await table(name);
      close(sum(rows, "ca_total"), kpis!.ca_total as number);
      expect(sum(rows, "nb_achats")).toBe(kpis!.nb_achats_total as number);
    }
    // ca_par_pays leaves out purchases with no country (orphans, clients with no pays).
    const pays = await table("ca_par_pays");
    const withCountry = fact.filter((r) => r.pays !== null);
    expect(sum(pays, "nb_achats")).toBe(withCountry.length);
    close(sum(pays, "ca_total"), sum(withCountry, "montant"));
    expect(new Set(fact.map((r) => r.id_client)).size).toBe(kpis!.nb_clients_uniques as number);
    close(sum(await table("ca_par_produit"), "part_ca"), 100);
    expect((await table("dim_dates")).length).toBe((await table("agg_jour")).length);
  });
});
