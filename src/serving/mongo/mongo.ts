import {
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Db,
  type Document,
} from "mongodb";
import { ConfigError, StoreError } from "../../errors.ts";
import { GOLD_TABLES, type GoldTableName } from "../../contract/gold-tables.ts";
import type { ColumnDef, Row } from "../../contract/columns.ts";
import {
  collectionName,
  replaceInSession,
  type ExportSession,
  type ReadOptions,
  type RefreshMetadata,
  type ServingStore,
  type TableBatch,
} from "../serving-store.ts";
import { checkRead, notServedYet } from "../table-access.ts";
import { rowOf, storedCell } from "./documents.ts";
import { METADATA, MongoExport, dropStaleStaging, type MongoWriter } from "./mongo-export.ts";
import { maskUri, type MongoSettings } from "./settings.ts";

/**
 * The MongoDB serving store (SPEC's `MONGODB_*` settings): one collection per gold table,
 * documents carrying an internal `_row` (gold order, never returned), cells stored as
 * `documents.ts` says. An export loads and swaps the collections as `mongo-export.ts` says;
 * `_refresh_metadata` holds one document per write.
 */

export interface MongoOptions extends MongoSettings {
  /** How long to look for a server before calling it unreachable. */
  serverSelectionTimeoutMS?: number;
}

/** What a find meets when the collection is renamed over mid-read: worth one more try. */
const SWAPPED_UNDER_US = new Set([26, 43, 175]);
/** Unauthorized, AuthenticationFailed, and Atlas's "bad auth". */
const AUTH_CODES = new Set([13, 18, 8000]);

export async function openMongoStore(options: MongoOptions): Promise<ServingStore> {
  const timeout = options.serverSelectionTimeoutMS ?? 3000;
  let client: MongoClient;
  try {
    client = new MongoClient(options.uri, { serverSelectionTimeoutMS: timeout, connectTimeoutMS: timeout, appName: "elt" });
  } catch (err) {
    throw new ConfigError(`MONGODB_URI: ${err instanceof Error ? err.message : String(err)}`);
  }
  const store = new MongoStore(client, options);
  try {
    await store.ping();
    return store;
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
}

/** Exported for tests that put a recording double around the driver's Db. */
export class MongoStore implements ServingStore {
  readonly kind = "mongo";
  readonly location: string;
  readonly prefix: string;
  private readonly db: Db;

  constructor(
    private readonly client: MongoClient,
    options: MongoOptions,
  ) {
    this.location = maskUri(options.uri);
    this.prefix = options.prefix;
    this.db = client.db(options.database);
  }

  async beginExport(runId: string): Promise<ExportSession> {
    const writer: MongoWriter = { db: this.db, prefix: this.prefix, guard: (fn) => this.guard(fn) };
    await dropStaleStaging(writer);
    return new MongoExport(writer, runId);
  }

  replaceTable(table: GoldTableName, batches: AsyncIterable<TableBatch>, runId: string): Promise<RefreshMetadata> {
    return replaceInSession(this, table, batches, runId);
  }

  async read(table: GoldTableName, options?: ReadOptions): Promise<{ rows: Row[]; total: number }> {
    const query = checkRead(table, options);
    const name = collectionName(table, this.prefix);
    const collection = this.db.collection(name);
    const filter: Document = {};
    const columns: readonly ColumnDef[] = GOLD_TABLES[table].columns;
    for (const w of query.where) {
      const stored = storedCell(columns.find((c) => c.name === w.column)!, w.value);
      filter[w.column] = { ...filter[w.column], [`$${w.op}`]: stored };
    }
    const sort: Document = query.sort
      ? { [query.sort.column]: query.sort.direction === "desc" ? -1 : 1, _row: 1 }
      : { _row: 1 };
    const attempt = async () => {
      // Mongo reads a limit of 0 as "no limit".
      const docs =
        query.limit === 0
          ? []
          : await collection
              .find(filter, {
                projection: { _id: 0, _row: 0 },
                sort,
                skip: query.skip,
                limit: query.limit,
                allowDiskUse: true,
              })
              .toArray();
      const total = query.where.length ? await collection.countDocuments(filter) : await collection.estimatedDocumentCount();
      return { docs, total };
    };
    const { docs, total } = await this.guard(async () => {
      try {
        return await attempt();
      } catch (err) {
        if (err instanceof MongoServerError && SWAPPED_UNDER_US.has(Number(err.code))) return attempt();
        throw err;
      }
    });
    if (docs.length === 0 && total === 0 && !(await this.exists(name))) {
      throw notServedYet(name);
    }
    // Rows carry exactly the gold columns in order, whatever else a document holds.
    const rows = docs.map((doc) => rowOf(doc, columns));
    return { rows, total };
  }

  async refreshMetadata(collection?: string): Promise<RefreshMetadata[]> {
    // One document per write: the latest of each collection is its current one.
    const docs = await this.guard(() =>
      this.db
        .collection(METADATA)
        .aggregate([
          { $match: collection === undefined ? {} : { collection } },
          { $sort: { collection: 1, write_end: -1, _id: -1 } },
          { $group: { _id: "$collection", latest: { $first: "$$ROOT" } } },
          { $replaceRoot: { newRoot: "$latest" } },
          { $sort: { collection: 1 } },
        ])
        .toArray(),
    );
    return docs.map((d) => ({
      collection: String(d.collection),
      write_start: timestamp(d.write_start),
      write_end: timestamp(d.write_end),
      duration_seconds: Number(d.duration_seconds),
      record_count: Number(d.record_count),
      run_id: String(d.run_id),
    }));
  }

  async ping(): Promise<void> {
    await this.guard(() => this.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async exists(name: string): Promise<boolean> {
    return this.guard(() => this.db.listCollections({ name }, { nameOnly: true }).hasNext());
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.storeError(err);
    }
  }

  private storeError(err: unknown): unknown {
    if (!(err instanceof MongoError)) return err;
    if (refusedAccess(err)) {
      return new StoreError("access_denied", `MongoDB at ${this.location} refused access: ${err.message}`, { cause: err });
    }
    const network = [MongoServerSelectionError, MongoNetworkError, MongoTopologyClosedError];
    if (network.some((type) => err instanceof type)) {
      return new StoreError("unreachable", `cannot reach MongoDB at ${this.location}`, { cause: err });
    }
    return new StoreError("failed", `MongoDB at ${this.location}: ${err.message}`, { cause: err });
  }
}

/** A metadata timestamp as ISO 8601: elt writes strings, the original project may have written dates. */
const timestamp = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));

/** Wrong credentials or missing privileges, wherever the driver wrapped the server's answer. */
function refusedAccess(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e instanceof MongoServerError && AUTH_CODES.has(Number(e.code))) return true;
  }
  return false;
}
