import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config.ts";
import { StoreError, errorLine } from "../errors.ts";
import type { ServingStore } from "./serving-store.ts";

export { collectionName } from "./serving-store.ts";

/** The serving store SPEC names: MongoDB when `MONGODB_URI` is set, else `$ELT_HOME/serving.sqlite`. */
export async function openServingStore(config: Config): Promise<ServingStore> {
  // Loaded on demand: the MongoDB driver alone costs a quarter of a second at start.
  if (config.mongo) return (await import("./mongo.ts")).openMongoStore(config.mongo);
  try {
    mkdirSync(config.home, { recursive: true });
  } catch (err) {
    throw new StoreError("failed", `cannot create ${config.home}: ${errorLine(err)}`, { cause: err });
  }
  return (await import("./sqlite.ts")).openSqliteStore(join(config.home, "serving.sqlite"));
}
