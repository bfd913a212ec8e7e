import { DEFAULT_THRESHOLDS } from "../../src/quality/thresholds.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNS_KEPT, type Config } from "../../src/config/environment.ts";
import { readParquetRows } from "../../src/formats/parquet.ts";
import { objectAsyncBuffer } from "../../src/pipeline/stored-parquet.ts";
import type { Layer } from "../../src/flows/layers.ts";
import { pipelineFlow } from "../../src/flows/pipeline.ts";
import { GOLD_TABLES } from "../../src/contract/gold-tables.ts";
import { SILVER_ACHAT_TYPES, SILVER_CLIENT_TYPES } from "../../src/contract/silver-tables.ts";
import { runFlow } from "../../src/runner/flow.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { readBytes, readText, type Bucket } from "../../src/storage/object-store.ts";

/**
 * Hand-written sources through bronze, silver and gold, with every expected value worked out
 * here. as_of is 2024-06-30, so the oldest accepted purchase date is 2024-06-30 − 3650 days
 * = 2014-07-03.
 */

const AS_OF = "2024-06-30";

// BOM, CRLF line endings, a blank line and a quoted field spanning two lines.
const CLIENTS =
  "\uFEFFid_client , nom,email,date_inscription,pays\r\n" +
  [
    "1,Zoé Durand,ZOE@Example.com,2023-01-15,france", // line 2: kept, email lower-cased, France
    '2,"Martin, Paul",paul@ex.fr,15/03/2023,Germany', // 3: kept, DD/MM/YYYY
    ",No Id,x@y.z,2023-01-01,France", // 4: missing_field
    "abc,Bad Id,a@b.c,2023-01-01,France", // 5: invalid_id
    "3,Bad Mail,not-an-email,2023-01-01,Spain", // 6: invalid_email
    "4,Bad Date,d@e.fr,2023-02-30,Italy", // 7: invalid_date (impossible)
    "5,Future,f@g.fr,2024-07-01,UK", // 8: future_date
    "1,Dup,dup@x.fr,2023-01-01,France", // 9: duplicate of 1
    '6,"Multi\r\nLine",m@l.fr,2024-06-30,Atlantis', // 10–11: kept, date = as_of, country as written
    "7,Short,s@t.fr", // 12: malformed_row
    "", // 13: blank, not a record
    "8,Bad first,bad,2023-01-01,France", // 14: invalid_email
    "8,Good second,g@s.fr,2023/05/06,   ", // 15: kept (its first occurrence was rejected), pays null
  ].join("\r\n") +
  "\r\n";

const FILLERS = 300; // ids 1000..1299, amount 100: they pin q99 at exactly 100
const ACHATS =
  "id_achat,id_client,date_achat,montant,produit\n" +
  [
    '1,1,2024-06-30,"12,50",laptop', // 2: kept, comma decimal, Laptop, date = as_of
    "2,99,2014-07-03,100,Phone", // 3: kept, orphan, exactly as_of − 3650 days
    "3,1,2014-07-02,100,Phone", // 4: too_old
    "4,1,2024-07-01,100,Phone", // 5: future_date
    "5,1,2024-02-30,100,Phone", // 6: invalid_date
    "6,1,2024-01-01,-5,Phone", // 7: negative_amount
    "7,1,2024-01-01,abc,Phone", // 8: invalid_amount
    "x,1,2024-01-01,10,Phone", // 9: invalid_id
    "8,,2024-01-01,10,Phone", // 10: missing_field
    "1,2,2024-01-01,10,Phone", // 11: duplicate of 1
    "9,2,2024-01-01,10", // 12: malformed_row
    "10,2,2024-01-01,-0,Phone", // 13: kept, -0 is 0
    '42.0,2,2024/01/01,10,"Gadget, ""Pro"""', // 14: kept, id 42, product as written
    "042,2,2024-01-02,10,Phone", // 15: duplicate of 42
    "11,1,2024-03-01,-1,Phone", // 16: negative_amount
    "11,1,2024-03-02 08:30:00.123Z,20,Tablet", // 17: kept (first 11 was rejected)
    "12,1,2024-01-01T10:00:00+02:00,1000000,Phone", // 18: outlier_amount
    "13,1,2024-01-01,200,Phone", // 19: kept: exactly 2 × q99 is not above it
    "15,1,2024-01-01,200.01,Phone", // 20: outlier_amount
    ...Array.from({ length: FILLERS }, (_, i) => `${1000 + i},2,2024-05-15,100,Mouse`),
  ].join("\n") +
  "\n";
// Candidates for q99 (rules 1–4 passed): 0, 10, 10, 10, 12.5, 20, 100 × 304, 200, 200.01, 1e6:
// n = 313, p = 0.99 × 312 = 308.88, v[308] = v[309] = 100, so q99 = 100 and the limit is 200.

let dir: string;
let store: FolderStore;
let config: Config;

async function runLayers(layers: Layer[], sources = join(dir, "sources"), force = false) {
  // These sources are mostly rejects on purpose: the rules are under test here, the quality gate in test/quality.
  const flow = pipelineFlow({ layers, sources, asOf: AS_OF, force, config, store, quality: { thresholds: DEFAULT_THRESHOLDS, enforce: false } });
  return runFlow(flow, { store, secrets: [], retryBaseMs: 1 });
}

async function parquet(bucket: Bucket, key: string, columns: typeof SILVER_CLIENT_TYPES) {
  const rows = [];
  for await (const batch of readParquetRows(await objectAsyncBuffer(store, bucket, key), columns)) rows.push(...batch);
  return rows;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-pipeline-"));
  await mkdir(join(dir, "sources"));
  await writeFile(join(dir, "sources", "clients.csv"), CLIENTS);
  await writeFile(join(dir, "sources", "achats.csv"), ACHATS);
  config = { home: join(dir, "home"), apiUrl: "http://localhost:8000", keepRuns: RUNS_KEPT };
  store = new FolderStore(join(dir, "home", "lake"));
  await store.ensureBuckets();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("bronze → silver → gold on hand-written sources", () => {
  test("the run succeeds and records counts per reason and orphans", async () => {
    const record = await runLayers(["bronze", "silver", "gold"]);
    expect(record.error).toBeUndefined();
    expect(record.state).toBe("succeeded");
    const silver = record.tasks.find((t) => t.name === "silver")!;
    const m = silver.metrics as any;
    expect(m.clients).toMatchObject({ rows_in: 12, kept: 4 });
    expect(m.clients.rejects).toEqual({
      malformed_row: 1,
      missing_field: 1,
      invalid_id: 1,
      invalid_email: 2,
      invalid_date: 1,
      future_date: 1,
      duplicate: 1,
    });
    expect(m.achats).toMatchObject({ rows_in: 19 + FILLERS, kept: 6 + FILLERS, orphans: 1, q99: 100 });
    expect(m.achats.rejects).toEqual({
      malformed_row: 1,
      missing_field: 1,
      invalid_id: 1,
      invalid_amount: 1,
      negative_amount: 2,
      outlier_amount: 2,
      invalid_date: 1,
      future_date: 1,
      too_old: 1,
      duplicate: 2,
    });
    const bronze = record.tasks.find((t) => t.name === "bronze.achats")!;
    expect(bronze.rows_out).toBe(19 + FILLERS);
  });

  test("bronze keeps the source bytes exactly", async () => {
    const manifest = JSON.parse(await readText(store, "bronze", "_manifest/clients.json"));
    expect(await readBytes(store, "bronze", manifest.latest.key)).toEqual(new TextEncoder().encode(CLIENTS));
    expect(manifest.latest.sha256).toBe(new Bun.CryptoHasher("sha256").update(CLIENTS).digest("hex"));
    expect(manifest.latest.rows).toBe(12);
  });

  test("silver clients are typed, trimmed and canonicalised", async () => {
    expect(await parquet("silver", "clients.parquet", SILVER_CLIENT_TYPES)).toEqual([
      { id_client: 1, nom: "Zoé Durand", email: "zoe@example.com", date_inscription: "2023-01-15", pays: "France" },
      { id_client: 2, nom: "Martin, Paul", email: "paul@ex.fr", date_inscription: "2023-03-15", pays: "Germany" },
      { id_client: 6, nom: "Multi\r\nLine", email: "m@l.fr", date_inscription: "2024-06-30", pays: "Atlantis" },
      { id_client: 8, nom: "Good second", email: "g@s.fr", date_inscription: "2023-05-06", pays: null },
    ]);
  });

  test("silver purchases keep file order, the boundary rows, and 42.0 as 42", async () => {
    const rows = await parquet("silver", "achats.parquet", SILVER_ACHAT_TYPES);
    expect(rows.length).toBe(6 + FILLERS);
    expect(rows.slice(0, 6)).toEqual([
      { id_achat: 1, id_client: 1, date_achat: "2024-06-30", montant: 12.5, produit: "Laptop" },
      { id_achat: 2, id_client: 99, date_achat: "2014-07-03", montant: 100, produit: "Phone" },
      { id_achat: 10, id_client: 2, date_achat: "2024-01-01", montant: 0, produit: "Phone" },
      { id_achat: 42, id_client: 2, date_achat: "2024-01-01", montant: 10, produit: 'Gadget, "Pro"' },
      { id_achat: 11, id_client: 1, date_achat: "2024-03-02", montant: 20, produit: "Tablet" },
      { id_achat: 13, id_client: 1, date_achat: "2024-01-01", montant: 200, produit: "Phone" },
    ]);
    expect(rows[6]).toEqual({ id_achat: 1000, id_client: 2, date_achat: "2024-05-15", montant: 100, produit: "Mouse" });
  });

  test("rejects keep the values as read, the reason and the source line", async () => {
    const clients = (await readText(store, "silver", "_rejects/clients.csv")).split("\n");
    expect(clients[0]).toBe("id_client,nom,email,date_inscription,pays,reason,line");
    expect(clients).toContain(",No Id,x@y.z,2023-01-01,France,missing_field,4");
    expect(clients).toContain("7,Short,s@t.fr,,,malformed_row,12");
    expect(clients).toContain("8,Bad first,bad,2023-01-01,France,invalid_email,14");
    expect(clients).toContain("1,Dup,dup@x.fr,2023-01-01,France,duplicate,9");
    const achats = (await readText(store, "silver", "_rejects/achats.csv")).split("\n");
    expect(achats[0]).toBe("id_achat,id_client,date_achat,montant,produit,reason,line");
    expect(achats).toContain("12,1,2024-01-01T10:00:00+02:00,1000000,Phone,outlier_amount,18");
    expect(achats).toContain("15,1,2024-01-01,200.01,Phone,outlier_amount,20");
    expect(achats).toContain("042,2,2024-01-02,10,Phone,duplicate,15");
    expect(achats).toContain("9,2,2024-01-01,10,,malformed_row,12");
    expect(achats).toContain("3,1,2014-07-02,100,Phone,too_old,4");
    expect(achats.filter((l) => l !== "").length).toBe(1 + 13);
  });

  test("gold is consistent with the kept purchases", async () => {
    const [kpis] = await parquet("gold", "kpis.parquet", GOLD_TABLES.kpis.columns);
    const ca = 12.5 + 100 + 0 + 10 + 20 + 200 + FILLERS * 100;
    expect(kpis).toMatchObject({ ca_total: ca, nb_achats_total: 6 + FILLERS, nb_clients_uniques: 3, montant_min: 0, montant_max: 200 });
    const produits = await parquet("gold", "ca_par_produit.parquet", GOLD_TABLES.ca_par_produit.columns);
    expect(produits.map((r) => [r.produit, r.ca_total, r.nb_achats, r.nb_clients])).toEqual([
      ["Mouse", 30000, FILLERS, 1],
      ["Phone", 300, 3, 3],
      ["Tablet", 20, 1, 1],
      ["Laptop", 12.5, 1, 1],
      ['Gadget, "Pro"', 10, 1, 1],
    ]);
    const fact = await parquet("gold", "fact_achats.parquet", GOLD_TABLES.fact_achats.columns);
    expect(fact.slice(0, 3).map((r) => [r.id_achat, r.nom, r.pays])).toEqual([
      [1, "Zoé Durand", "France"],
      [2, null, null],
      [10, "Martin, Paul", "Germany"],
    ]);
    const csv = await readText(store, "gold", "ca_par_produit.csv");
    expect(csv.split("\n")[0]).toBe("produit,ca_total,panier_moyen,nb_achats,nb_clients,part_ca");
    expect(csv).toContain('"Gadget, ""Pro""",10,10,1,1,');
  });

  test("unchanged inputs skip silver and gold with the reason; --force rebuilds", async () => {
    const again = await runLayers(["bronze", "silver", "gold"]);
    expect(again.tasks.map((t) => t.state)).toEqual(["succeeded", "succeeded", "skipped", "skipped"]);
    expect(again.tasks[2]!.reason).toContain("inputs unchanged");
    expect(again.tasks[0]!.metrics).toMatchObject({ already_present: true });
    const forced = await runLayers(["silver"], undefined, true);
    expect(forced.tasks[0]!.state).toBe("succeeded");
  });
});

describe("bad input stops the run and damages nothing", () => {
  async function withSources(clients: string | null, achats: string | Uint8Array) {
    const src = await mkdtemp(join(dir, "bad-"));
    if (clients !== null) await writeFile(join(src, "clients.csv"), clients);
    await writeFile(join(src, "achats.csv"), achats);
    return src;
  }
  const published = () => Promise.all(["clients.parquet", "achats.parquet"].map((k) => store.stat("silver", k)));

  test("a wrong header names the file and the expected header", async () => {
    const before = await published();
    const src = await withSources(CLIENTS, "id_achat,client,date_achat,montant,produit\n1,1,2024-01-01,1,Phone\n");
    const record = await runLayers(["bronze", "silver"], src);
    expect(record.state).toBe("failed");
    expect(record.error).toBe(
      'silver: achats.csv:1: header must be exactly "id_achat,id_client,date_achat,montant,produit" (got "id_achat,client,date_achat,montant,produit"): missing id_client; extra client',
    );
    expect(await published()).toEqual(before);
  });

  test("bytes that are not UTF-8 name the file and line; silver stays as it was", async () => {
    const before = await published();
    const bad = new Uint8Array([...new TextEncoder().encode(ACHATS), ...new TextEncoder().encode("77,1,2024-01-01,5,Caf"), 0xff, 0x0a]);
    const record = await runLayers(["bronze", "silver"], await withSources(CLIENTS, bad));
    expect(record.state).toBe("failed");
    expect(record.error).toContain(`achats.csv:${21 + FILLERS}`);
    expect(record.error).toContain("UTF-8");
    expect(await published()).toEqual(before);
    // Raw inputs are still kept in bronze, byte for byte.
    expect(record.tasks.find((t) => t.name === "bronze.achats")!.state).toBe("succeeded");
  });

  test("a missing source file fails bronze with the path", async () => {
    const record = await runLayers(["bronze", "silver"], await withSources(null, ACHATS));
    expect(record.state).toBe("failed");
    expect(record.tasks.find((t) => t.name === "bronze.clients")!.error).toContain("clients.csv: source file not found");
    // It says how to get sources that work.
    expect(record.tasks.find((t) => t.name === "bronze.clients")!.error).toContain("`elt generate --out ");
    expect(record.tasks.find((t) => t.name === "silver")!.state).toBe("skipped");
  });

  test("a header-only file is valid and gives zero rows", async () => {
    const record = await runLayers(
      ["bronze", "silver", "gold"],
      await withSources(CLIENTS, "id_achat,id_client,date_achat,montant,produit\r\n"),
    );
    expect(record.error).toBeUndefined();
    const [kpis] = await parquet("gold", "kpis.parquet", GOLD_TABLES.kpis.columns);
    expect(kpis).toEqual({
      ca_total: 0,
      nb_achats_total: 0,
      panier_moyen: null,
      nb_clients_uniques: 0,
      montant_moyen_par_client: null,
      taux_croissance_mensuel: null,
      montant_median: null,
      montant_std: null,
      montant_min: null,
      montant_max: null,
    });
  });
});
