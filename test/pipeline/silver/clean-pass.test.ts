import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readParquetRows } from "../../../src/formats/parquet.ts";
import { objectAsyncBuffer } from "../../../src/pipeline/stored-parquet.ts";
import type { BronzeEntry } from "../../../src/pipeline/bronze.ts";
import { dayNumber } from "../../../src/core/dates.ts";
import { Staging } from "../../../src/pipeline/staging.ts";
import { cleanClients } from "../../../src/pipeline/silver/clients.ts";
import { keptFile, rejectsFile } from "../../../src/pipeline/silver/clean-pass.ts";
import { SILVER_CLIENT_TYPES } from "../../../src/contract/silver-tables.ts";
import { FolderStore } from "../../../src/storage/folder.ts";

/** The streamed pass, through the clients' cleaning: kept rows to Parquet, the others to the rejects. */
describe("cleanDataset", () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "elt-clean-pass-"));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  test("kept rows, rejects with the first rule broken and the source line, counts in SPEC's order", async () => {
    const store = new FolderStore(join(home, "lake"));
    const csv = [
      "id_client,nom,email,date_inscription,pays",
      "1, Ana ,Ana@Example.com,2024-01-01,france",
      "2,Bob,bob@example.com",
      "1,Ann,ann@example.com,2024-01-02,",
      "x,Eve,eve@example.com,2024-01-03,UK",
      "3,Zoé,zoe@example.com,03/01/2024,Narnia",
      "",
    ].join("\n");
    await store.put("bronze", "clients/x.csv", csv);
    const entry = { dataset: "clients", key: "clients/x.csv", rows: 5 } as BronzeEntry;
    const staging = await Staging.create(home, "run", "silver");
    const seen: number[] = [];
    const result = await cleanClients(store, entry, dayNumber("2024-06-15"), staging, { progress: (n) => seen.push(n) });

    expect(result.rowsIn).toBe(5);
    expect(result.kept).toBe(2);
    expect(Object.entries(result.rejects)).toEqual([
      ["malformed_row", 1],
      ["missing_field", 0],
      ["invalid_id", 1],
      ["invalid_email", 0],
      ["invalid_date", 0],
      ["future_date", 0],
      ["duplicate", 1],
    ]);
    expect([1, 2, 3].map((id) => result.ids.has(id))).toEqual([true, false, true]);
    expect(seen.at(-1)).toBe(5);

    expect(await readFile(staging.path(rejectsFile("clients")), "utf8")).toBe(
      [
        "id_client,nom,email,date_inscription,pays,reason,line",
        "2,Bob,bob@example.com,,,malformed_row,3",
        "1,Ann,ann@example.com,2024-01-02,,duplicate,4",
        "x,Eve,eve@example.com,2024-01-03,UK,invalid_id,5",
        "",
      ].join("\n"),
    );
    await staging.publish(keptFile("clients"), store, "silver", "clients.parquet");
    const rows = [];
    for await (const batch of readParquetRows(await objectAsyncBuffer(store, "silver", "clients.parquet"), SILVER_CLIENT_TYPES)) rows.push(...batch);
    expect(rows).toEqual([
      { id_client: 1, nom: "Ana", email: "ana@example.com", date_inscription: "2024-01-01", pays: "France" },
      { id_client: 3, nom: "Zoé", email: "zoe@example.com", date_inscription: "2024-01-03", pays: "Narnia" },
    ]);
    await staging.dispose();
  });
});
