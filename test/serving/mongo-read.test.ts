import { describe, expect, test } from "bun:test";
import { MongoNetworkError, MongoServerError, type Document } from "mongodb";
import { StoreError } from "../../src/core/errors.ts";
import { MongoStore } from "../../src/serving/mongo/mongo.ts";
import type { ReadOptions } from "../../src/serving/serving-store.ts";
import { FACT, idsOf } from "./fixtures.ts";
import { FakeMongo } from "./fake-mongo.ts";

/**
 * The MongoDB store's read path against a double of the driver (./fake-mongo.ts), for what a
 * real server does not let a test arrange. The same behaviours on a real server are in the
 * serving contract suite and read-consistency.test.ts when ELT_TEST_MONGODB_URI is set.
 */

const storeOn = (fake: FakeMongo) => new MongoStore(fake.client(), { uri: "mongodb://elt:pw@db:27017", database: "analytics", prefix: "gold_" });

/** `n` agg_mois rows all marked with `version` in nb_achats, so an answer tells its version by its rows. */
const months = (n: number, version: number): Document[] =>
  Array.from({ length: n }, (_, i) => ({ mois: `2024-${String(i + 1).padStart(2, "0")}`, ca_total: i, panier_moyen: i, nb_achats: version, nb_clients: 1 }));

describe("mongo read: a page and its count come from one version of the table", () => {
  test("a swap landing between the page and the count is read again, from the new version", async () => {
    const fake = new FakeMongo();
    fake.swap("gold_agg_mois", months(3, 1));
    let swapped = false;
    fake.afterCommand = (command) => {
      if (command === "find" && !swapped) {
        swapped = true;
        fake.swap("gold_agg_mois", months(7, 2));
      }
    };
    const { rows, total } = await storeOn(fake).read("agg_mois", { limit: 2 });
    expect(swapped).toBe(true);
    expect(rows.map((r) => r.nb_achats)).toEqual([2, 2]);
    expect(total).toBe(7);
  });

  test("the same with a filter, whose count is counted", async () => {
    const fake = new FakeMongo();
    fake.swap("gold_fact_achats", FACT);
    let swapped = false;
    fake.afterCommand = (command) => {
      if (command === "find" && !swapped) {
        swapped = true;
        fake.swap("gold_fact_achats", FACT.slice(0, 2));
      }
    };
    // Of the two rows swapped in (ids 1 and 2, montant 100 and 50.5), the one below 60.
    const { rows, total } = await storeOn(fake).read("fact_achats", { where: [{ column: "montant", op: "lte", value: 60 }] });
    expect(idsOf(rows)).toEqual([2]);
    expect(total).toBe(1);
  });

  test("a reader meeting a swap at every attempt gives up with a StoreError, not a mixed answer", async () => {
    const fake = new FakeMongo();
    fake.swap("gold_agg_mois", months(3, 0));
    let swaps = 0;
    fake.afterCommand = (command) => {
      if (command === "count") fake.swap("gold_agg_mois", months(3 + ++swaps, swaps));
    };
    const err = await storeOn(fake).read("agg_mois").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe("failed");
    expect((err as StoreError).message).toBe(
      "MongoDB at mongodb://elt:****@db:27017: gold_agg_mois was replaced during 5 reads in a row; try again",
    );
    expect(swaps).toBe(5);
  });

  test.each([
    ["a new UUID each time", "fresh"],
    ["no UUID", "none"],
  ] as const)("from a server that lists %s, a page and its count are one command, from one version", async (_, uuids) => {
    const fake = new FakeMongo();
    fake.uuids = uuids;
    fake.swap("gold_agg_mois", months(3, 1));
    const commands: string[] = [];
    let swaps = 1;
    // A swap after every command: only an answer made in one command holds one version.
    fake.afterCommand = (command) => {
      commands.push(command);
      swaps++;
      fake.swap("gold_agg_mois", months(2 + swaps, swaps));
    };
    const store = storeOn(fake);
    const reads: ReadOptions[] = [{ limit: 2 }, {}, { limit: 0 }, { where: [{ column: "nb_achats", op: "gte", value: 0 }], skip: 1 }];
    for (const options of reads) {
      const { rows, total } = await store.read("agg_mois", options);
      const version = swaps - 1;
      expect(total).toBe(2 + version);
      expect(rows.length).toBe(options.limit ?? total - (options.skip ?? 0));
      expect(new Set(rows.map((r) => r.nb_achats))).toEqual(new Set(rows.length ? [version] : []));
      expect(commands.at(-1)).toBe("aggregate");
    }
    expect(commands.filter((c) => c === "find" || c === "count")).toEqual([]);
  });

  test("from a server that lists no UUID, a page too big for one answer document comes whole", async () => {
    const fake = new FakeMongo();
    fake.uuids = "none";
    // A server's answers are documents of at most 16 MiB; scaled down, 50 months take about 5 KiB.
    fake.maxAnswerBytes = 2048;
    fake.swap("gold_agg_mois", months(50, 1));
    const store = storeOn(fake);
    const { rows, total } = await store.read("agg_mois");
    expect(total).toBe(50);
    expect(rows.map((r) => r.mois)).toEqual(months(50, 1).map((m) => m.mois));
    expect(await store.read("agg_mois", { limit: 0 })).toEqual({ rows: [], total: 50 });
    expect(await store.read("agg_mois", { skip: 60 })).toEqual({ rows: [], total: 50 });
  });

  test("from a server that lists no UUID, a read that meets a swap is read again", async () => {
    const fake = new FakeMongo();
    fake.uuids = "none";
    fake.swap("gold_agg_mois", months(3, 1));
    let failed = 0;
    fake.afterCommand = (command) => {
      if (command !== "aggregate" || failed++ > 0) return;
      fake.swap("gold_agg_mois", months(4, 2));
      throw new MongoServerError({ message: "collection dropped", code: 175 });
    };
    const { rows, total } = await storeOn(fake).read("agg_mois");
    expect(failed).toBe(2);
    expect(total).toBe(4);
    expect(new Set(rows.map((r) => r.nb_achats))).toEqual(new Set([2]));
  });

  test("swaps landing between the store's first listings do not take a server with steady UUIDs for one without", async () => {
    const fake = new FakeMongo();
    fake.swap("gold_agg_mois", months(3, 1));
    const commands: string[] = [];
    let listings = 0;
    fake.afterCommand = (command) => {
      commands.push(command);
      if (command === "listCollections" && ++listings <= 2) fake.swap("gold_agg_mois", months(3 + listings, 1 + listings));
    };
    const store = storeOn(fake);
    await store.read("agg_mois");
    expect(commands).toContain("find");
    expect(commands).not.toContain("aggregate");
    expect(await store.read("agg_mois")).toMatchObject({ total: 5 });
  });

  test("a connection lost while the store asks how the server lists UUIDs fails that read only", async () => {
    const fake = new FakeMongo();
    fake.swap("gold_agg_mois", months(3, 1));
    let listings = 0;
    fake.afterCommand = (command) => {
      if (command === "listCollections" && ++listings === 2) throw new MongoNetworkError("connection reset");
    };
    const store = storeOn(fake);
    const err = await store.read("agg_mois").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toBe("cannot reach MongoDB at mongodb://elt:****@db:27017");
    expect((await store.read("agg_mois")).total).toBe(3);
  });

  test("a table never written is not_found, even from a server that ignores listCollections' filter", async () => {
    const fake = new FakeMongo();
    fake.ignoreListFilter = true;
    fake.swap("gold_kpis", [{ ca_total: 1 }]);
    const err = await storeOn(fake).read("agg_mois").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe("not_found");
    expect((await storeOn(fake).read("kpis")).total).toBe(1);
  });
});

describe("mongo read: dates", () => {
  /** FACT as a store keeps it: dates as BSON dates (this version's exports) or strings (earlier ones). */
  const stored = (asDates: boolean): Document[] =>
    FACT.map((r) => ({
      ...r,
      date_achat: asDates ? new Date(`${r.date_achat}T00:00:00Z`) : r.date_achat,
      date_inscription: asDates && r.date_inscription ? new Date(`${r.date_inscription}T00:00:00Z`) : r.date_inscription,
    }));

  test.each([
    ["BSON dates", true],
    ["strings", false],
  ])("dates stored as %s are answered YYYY-MM-DD, and date filters match them", async (_, asDates) => {
    const fake = new FakeMongo();
    fake.swap("gold_fact_achats", stored(asDates));
    const store = storeOn(fake);
    expect(await store.read("fact_achats")).toEqual({ rows: FACT, total: FACT.length });
    const range = await store.read("fact_achats", {
      where: [
        { column: "date_achat", op: "gte", value: "2024-01-20" },
        { column: "date_achat", op: "lte", value: "2024-03-01" },
        { column: "pays", op: "eq", value: "France" },
      ],
    });
    expect(range).toEqual({ rows: [FACT[2]!], total: 1 });
    const day = await store.read("fact_achats", { where: [{ column: "date_inscription", op: "eq", value: "2023-05-01" }] });
    expect(idsOf(day.rows)).toEqual([1, 3]);
    const latest = await store.read("fact_achats", { sort: { column: "date_achat", direction: "desc" }, limit: 1 });
    expect(latest.rows[0]!.date_achat).toBe("2024-03-10");
  });
});
