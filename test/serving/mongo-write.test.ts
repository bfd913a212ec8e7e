import { describe, expect, test } from "bun:test";
import { Double, Long, type MongoClient } from "mongodb";
import { GOLD_TABLES } from "../../src/contract/gold-tables.ts";
import { rowOf, storedCell } from "../../src/serving/mongo/documents.ts";
import { MongoStore } from "../../src/serving/mongo/mongo.ts";
import { KEPT_WRITES } from "../../src/serving/serving-store.ts";
import { STALE_STAGING_MS, stagingName, stagingSession } from "../../src/serving/staging.ts";
import { FakeDb } from "./recording-mongo.ts";
import { FACT, KPIS_EMPTY, batchesOf, factRows } from "./fixtures.ts";

/** A Mongo store over the fake database, as openMongoStore would build it over a server. */
function storeOver(db: FakeDb): MongoStore {
  const client = { db: () => db, close: async () => {} } as unknown as MongoClient;
  return new MongoStore(client, { uri: "mongodb://127.0.0.1:27017", database: "analytics", prefix: "gold_" });
}

const OLD_META = (run: string) => ({
  collection: "gold_fact_achats",
  write_start: "2024-01-01T00:00:00.000Z",
  write_end: "2024-01-01T00:00:01.000Z",
  duration_seconds: 1,
  record_count: 5,
  run_id: run,
});

describe("mongo serving store: the write path, over a recording double of the driver", () => {
  test("with a server that ignores the listCollections filter, only elt's own stale staging is dropped", async () => {
    // Another session's, loading now (its process on another host, maybe); one begun over an hour ago.
    const live = stagingName("gold_agg_mois", stagingSession(Date.now()));
    const abandoned = stagingName("gold_agg_mois", stagingSession(Date.now() - STALE_STAGING_MS - 60_000));
    const db = new FakeDb({
      orders: [{ n: 1 }],
      gold_fact_achats: [{ _row: 0, id_achat: 1 }],
      [live]: [{ _row: 0 }],
      [abandoned]: [{ _row: 0 }],
      // Named by an elt before sessions were: their exports dropped every staging name at start.
      "gold_fact_achats__staging_killed-run": [{ _row: 0 }],
      "gold_kpis__staging_": [{ x: 1 }],
      "gold_notes__staging_x": [{ x: 1 }],
      "gold_kpis__staging_other": [{ x: 1 }],
      _refresh_metadata: [OLD_META("original-1"), OLD_META("original-2")],
    });
    const store = storeOver(db);
    const session = await store.beginExport("run-1");
    await session.load("fact_achats", batchesOf(FACT, 2));
    await session.load("kpis", batchesOf(KPIS_EMPTY, 1));
    await session.commit();
    expect([...db.collections.keys()].sort()).toEqual(
      ["_refresh_metadata", "gold_fact_achats", "gold_kpis", "gold_kpis__staging_", "gold_notes__staging_x", live, "orders"].sort(),
    );
    expect(db.collections.get("orders")!.docs).toEqual([{ n: 1 }]);
    expect(db.calls.filter((c) => c.op === "drop").map((c) => c.collection)).toEqual([
      abandoned,
      "gold_fact_achats__staging_killed-run",
      "gold_kpis__staging_other",
    ]);
    // One document per write, after the ones already there.
    const metadata = db.collections.get("_refresh_metadata")!.docs;
    expect(metadata.map((d) => [d.collection, d.run_id])).toEqual([
      ["gold_fact_achats", "original-1"],
      ["gold_fact_achats", "original-2"],
      ["gold_fact_achats", "run-1"],
      ["gold_kpis", "run-1"],
    ]);
  });

  test("an earlier unique index on the metadata's collection is dropped, so a second write never fails", async () => {
    const db = new FakeDb({ _refresh_metadata: [OLD_META("original-1")] });
    db.collections.get("_refresh_metadata")!.indexes.push({ name: "collection_1", key: { collection: 1 }, unique: true });
    const store = storeOver(db);
    await store.replaceTable("fact_achats", batchesOf(FACT, 2), "run-1");
    await store.replaceTable("fact_achats", batchesOf(FACT, 2), "run-2");
    const { docs, indexes } = db.collections.get("_refresh_metadata")!;
    expect(docs.map((d) => d.run_id)).toEqual(["original-1", "run-1", "run-2"]);
    expect(indexes.some((i) => i.unique)).toBe(false);
  });

  test("each collection keeps its latest KEPT_WRITES writes; the others' history is left alone", async () => {
    const at = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
    // A long history, older and newer documents mixed in insertion order, and another collection's.
    const history = Array.from({ length: KEPT_WRITES + 5 }, (_, i) => ({ ...OLD_META(`old-${i}`), _id: `h${i}`, write_end: at((i * 7) % (KEPT_WRITES + 5)) }));
    const kpis = [1, 2, 3].map((i) => ({ ...OLD_META(`kpis-${i}`), collection: "gold_kpis", _id: `k${i}` }));
    const db = new FakeDb({ _refresh_metadata: [...history, ...kpis] });
    await storeOver(db).replaceTable("fact_achats", batchesOf(FACT, 2), "run-1");
    const docs = db.collections.get("_refresh_metadata")!.docs;
    const fact = docs.filter((d) => d.collection === "gold_fact_achats");
    expect(fact.length).toBe(KEPT_WRITES);
    expect(fact.some((d) => d.run_id === "run-1")).toBe(true);
    // The six oldest writes went: the five beyond the bound and the one the new write pushed out.
    const oldest = Math.min(...fact.filter((d) => d.run_id !== "run-1").map((d) => Date.parse(String(d.write_end))));
    expect(oldest).toBe(Date.parse(at(6)));
    expect(docs.filter((d) => d.collection === "gold_kpis").map((d) => d.run_id)).toEqual(["kpis-1", "kpis-2", "kpis-3"]);
    // The next write trims one more, and the served write is read as the latest.
    const store = storeOver(db);
    await store.replaceTable("fact_achats", batchesOf(FACT, 2), "run-2");
    expect(db.collections.get("_refresh_metadata")!.docs.filter((d) => d.collection === "gold_fact_achats").length).toBe(KEPT_WRITES);
    expect((await store.refreshMetadata("gold_fact_achats"))[0]!.run_id).toBe("run-2");
  });

  test("the original project's writes, with BSON dates (which Mongo sorts above strings), are neither the latest once elt wrote nor trimmed", async () => {
    // More than KEPT_WRITES of them, stamped later than elt's writes will be.
    const dated = (collection: string, i: number) => ({
      ...OLD_META(`original-${i}`),
      collection,
      _id: `${collection}-${i}`,
      write_start: new Date(Date.UTC(2099, 0, 1, 0, i)),
      write_end: new Date(Date.UTC(2099, 0, 1, 0, i, 1)),
    });
    const history = Array.from({ length: KEPT_WRITES + 5 }, (_, i) => dated("gold_fact_achats", i));
    const db = new FakeDb({ _refresh_metadata: [...history, dated("gold_kpis", 1), dated("gold_kpis", 2)] });
    const store = storeOver(db);
    await store.replaceTable("fact_achats", batchesOf(FACT, 2), "run-1");
    await store.replaceTable("fact_achats", batchesOf(FACT, 2), "run-2");
    expect((await store.refreshMetadata("gold_fact_achats")).map((m) => m.run_id)).toEqual(["run-2"]);
    // A collection only the original project wrote is read from its own documents, times as ISO strings.
    expect((await store.refreshMetadata()).map((m) => [m.collection, m.run_id, m.write_end])).toEqual([
      ["gold_fact_achats", "run-2", expect.any(String)],
      ["gold_kpis", "original-2", "2099-01-01T00:02:01.000Z"],
    ]);
    expect((await store.refreshMetadata("gold_kpis")).map((m) => m.run_id)).toEqual(["original-2"]);
    const docs = db.collections.get("_refresh_metadata")!.docs;
    expect(docs.filter((d) => d.write_end instanceof Date).length).toBe(KEPT_WRITES + 7);
    expect(docs.filter((d) => typeof d.write_end === "string").map((d) => d.run_id)).toEqual(["run-1", "run-2"]);
  });

  test("a trim that fails after the swap does not fail the export: the tables are served, the next export trims", async () => {
    const history = Array.from({ length: KEPT_WRITES }, (_, i) => ({ ...OLD_META(`old-${i}`), _id: `h${i}` }));
    const db = new FakeDb({ _refresh_metadata: history });
    db.deleteFailure = new Error("server went away");
    const session = await storeOver(db).beginExport("run-1");
    await session.load("fact_achats", batchesOf(FACT, 2));
    await session.commit();
    // Said in the run's log (the export passes session warnings on), not thrown.
    expect(session.warnings).toEqual([`the refresh history was not trimmed to ${KEPT_WRITES} writes per collection: server went away; the next export tries again`]);
    expect(db.calls.filter((c) => c.op === "deleteMany").length).toBe(1);
    expect(db.collections.get("gold_fact_achats")!.docs.length).toBe(FACT.length);
    expect(db.collections.get("_refresh_metadata")!.docs.length).toBe(KEPT_WRITES + 1);
    db.deleteFailure = undefined;
    await storeOver(db).replaceTable("fact_achats", batchesOf(FACT, 2), "run-2");
    expect(db.collections.get("_refresh_metadata")!.docs.length).toBe(KEPT_WRITES);
  });

  test("every load finishes before the first rename; documents go in unordered, large, several at once, indexed after", async () => {
    const db = new FakeDb();
    db.insertDelayMs = 5;
    const store = storeOver(db);
    const session = await store.beginExport("run-1");
    await session.load("fact_achats", batchesOf(factRows(45_000, "x"), 7_000));
    await session.load("kpis", batchesOf(KPIS_EMPTY, 1));
    const beforeCommit = db.calls.map((c) => c.op);
    expect(beforeCommit).not.toContain("rename");
    await session.commit();
    // One session's staging names: `S` for its part of them.
    const ops = db.calls.map((c) => `${c.op} ${c.collection.replace(/__staging_\S+$/, "__staging_S")}${c.docs === undefined ? "" : ` ${c.docs}`}`);
    const fact = ops.filter((o) => o.includes("gold_fact_achats__staging_"));
    expect(fact).toEqual([
      "createCollection gold_fact_achats__staging_S",
      // The server gives the documents their _id: the driver making them cost a fifth of its encoding.
      ...[10_000, 10_000, 10_000, 10_000, 5_000].map((n) => `insertMany unordered server-ids gold_fact_achats__staging_S ${n}`),
      "createIndexes gold_fact_achats__staging_S",
      "rename gold_fact_achats__staging_S",
    ]);
    expect(db.maxInFlight).toBeGreaterThan(1);
    expect(db.maxInFlight).toBeLessThanOrEqual(4);
    // The renames, in one sequence once both tables are loaded, then the metadata.
    const firstRename = ops.findIndex((o) => o.startsWith("rename"));
    expect(ops.slice(firstRename)).toEqual([
      "rename gold_fact_achats__staging_S",
      "rename gold_kpis__staging_S",
      "createIndex _refresh_metadata",
      "insertMany _refresh_metadata 2",
    ]);
    expect(db.collections.get("gold_fact_achats")!.docs.length).toBe(45_000);
  });

  test("a failing load drops its staging and leaves the served collections and metadata untouched", async () => {
    const db = new FakeDb({ gold_fact_achats: [{ _row: 0, id_achat: 1 }], _refresh_metadata: [OLD_META("original-1")] });
    const store = storeOver(db);
    async function* broken() {
      yield FACT.slice(0, 2);
      throw new Error("parquet went away");
    }
    await expect(store.replaceTable("fact_achats", broken(), "run-1")).rejects.toThrow("parquet went away");
    expect([...db.collections.keys()].sort()).toEqual(["_refresh_metadata", "gold_fact_achats"]);
    expect(db.collections.get("gold_fact_achats")!.docs).toEqual([{ _row: 0, id_achat: 1 }]);
    expect(db.collections.get("_refresh_metadata")!.docs.length).toBe(1);
  });

  test("cells are stored typed: dates as BSON dates, doubles as doubles, ids as integers; read back as served", async () => {
    const db = new FakeDb();
    await storeOver(db).replaceTable("fact_achats", batchesOf(FACT, 10), "run-1");
    const docs = db.collections.get("gold_fact_achats")!.docs;
    const big = docs.at(-1)!;
    expect(big.date_achat).toEqual(new Date("2024-03-10T00:00:00.000Z"));
    expect(big.montant).toBeInstanceOf(Double);
    expect(docs[2]!.montant).toEqual(new Double(200));
    expect(big.id_achat).toEqual(Long.fromNumber(9007199254740991));
    expect(docs[0]!.id_achat).toBe(1);
    expect(docs[3]!.nom).toBeNull();
    expect(docs[0]!._row).toBe(0);
    // What the driver hands back (Double and Long promoted to numbers) reads as the gold row.
    const columns = GOLD_TABLES.fact_achats.columns;
    const promoted = { ...big, montant: 0.1, id_achat: 9007199254740991 };
    expect(rowOf(promoted, columns)).toEqual(FACT.at(-1)!);
    expect(storedCell(columns.find((c) => c.name === "date_achat")!, "2024-01-02")).toEqual(new Date("2024-01-02T00:00:00.000Z"));
  });
});
