import { afterEach, describe, expect, test } from "bun:test";
import { dropMongoDatabase } from "./mongo-database.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReadOptions, ServingStore } from "../../src/serving/serving-store.ts";
import { openMongoStore } from "../../src/serving/mongo/mongo.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { writeVersions } from "./swapper.ts";

/**
 * A reader racing 200 swaps of a table by another process never gets rows of one version with
 * the count of another. Version v of agg_jour has v rows, each marked v (see swapper.ts), so an
 * answer's rows name their version and its count must be that version's. SQLite always; MongoDB
 * when ELT_TEST_MONGODB_URI is set.
 */

const SWAPS = 200;
const swapper = join(import.meta.dir, "swapper.ts");

interface Backend {
  name: string;
  /** A fresh database: a store on it, the swapper's arguments for it, and how to remove it. */
  fresh(): Promise<{ store: ServingStore; args: string[]; dispose(): Promise<void> }>;
}

const sqlite: Backend = {
  name: "sqlite",
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), "elt-race-"));
    const path = join(dir, "serving.sqlite");
    return { store: openSqliteStore(path), args: ["sqlite", path], dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

const MONGO_URI = process.env.ELT_TEST_MONGODB_URI;
const mongo: Backend = {
  name: "mongo",
  async fresh() {
    const database = `elt_race_${process.pid}_${Date.now()}`;
    return {
      store: await openMongoStore({ uri: MONGO_URI!, database, prefix: "gold_" }),
      args: ["mongo", MONGO_URI!, database],
      dispose: async () => {
        await dropMongoDatabase(MONGO_URI!, database);
      },
    };
  },
};

race(sqlite);
describe.skipIf(!MONGO_URI)(MONGO_URI ? "mongo" : "mongo (skipped: ELT_TEST_MONGODB_URI is not set)", () => race(mongo));

function race(backend: Backend) {
  describe(`${backend.name}: reads racing swaps`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    test(`a reader racing ${SWAPS} swaps never sees rows and count from different versions`, async () => {
      const { store, args, dispose } = await backend.fresh();
      cleanups.push(dispose, () => store.close());
      // From version 2, so that even the page after skip 1 has a row to name its version.
      await writeVersions(store, 2, 2);
      const writer = Bun.spawn([process.execPath, swapper, ...args, "3", String(2 + SWAPS)], { stderr: "pipe" });
      let done = false;
      void writer.exited.then(() => (done = true));

      // Unfiltered, the count is the recorded one; filtered, it is counted: both must match the rows.
      const reads: ReadOptions[] = [{ limit: 5 }, { limit: 5, skip: 1, where: [{ column: "nb_achats", op: "gte", value: 0 }] }];
      const anomalies: string[] = [];
      const seen = new Set<number>();
      let n = 0;
      while (!done) {
        const options = reads[n++ % reads.length]!;
        const { rows, total } = await store.read("agg_jour", options);
        const versions = new Set(rows.map((r) => r.nb_achats));
        const version = Number([...versions][0]);
        const expected = Math.min(5, version - (options.skip ?? 0));
        if (versions.size !== 1 || total !== version || rows.length !== expected) {
          anomalies.push(`${JSON.stringify(options)}: rows of versions ${[...versions].join(",")} (${rows.length}), count ${total}`);
        }
        seen.add(version);
        await Bun.sleep(0);
      }
      expect(await new Response(writer.stderr).text()).toBe("");
      expect(writer.exitCode).toBe(0);
      expect(anomalies).toEqual([]);
      // Proof that it raced: the reader met many versions, not only the first and the last.
      expect(seen.size).toBeGreaterThan(20);
      const last = await store.read("agg_jour", { limit: 1 });
      expect(last.total).toBe(2 + SWAPS);
    }, 60_000);
  });
}
