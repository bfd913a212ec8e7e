import type { Row } from "../../src/contract/columns.ts";
import { openMongoStore } from "../../src/serving/mongo/mongo.ts";
import type { ServingStore } from "../../src/serving/serving-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";

/**
 * A writer in a process of its own, so that its swaps land between a reader's commands
 * whatever the backend (a SQLite read runs start to end without yielding to other code of its
 * process). `bun swapper.ts sqlite PATH FROM TO` or `bun swapper.ts mongo URI DATABASE FROM TO`
 * writes agg_jour versions FROM..TO, one swap each (see versionRows).
 */

/** Version `v` of agg_jour: `v` days, each marked with `v` in nb_achats. */
export function versionRows(v: number): Row[] {
  return Array.from({ length: v }, (_, i) => ({
    date: new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10),
    ca_total: v * 10 + i,
    panier_moyen: v,
    nb_achats: v,
    nb_clients: 1,
  }));
}

async function* once(rows: Row[]): AsyncIterable<Row[]> {
  yield rows;
}

export async function writeVersions(store: ServingStore, from: number, to: number): Promise<void> {
  for (let v = from; v <= to; v++) await store.replaceTable("agg_jour", once(versionRows(v)), `run-${v}`);
}

if (import.meta.main) {
  const [kind, location, ...rest] = process.argv.slice(2);
  const store =
    kind === "mongo"
      ? await openMongoStore({ uri: location!, database: rest.shift()!, prefix: "gold_" })
      : openSqliteStore(location!);
  try {
    await writeVersions(store, Number(rest[0]), Number(rest[1]));
  } finally {
    await store.close();
  }
}
