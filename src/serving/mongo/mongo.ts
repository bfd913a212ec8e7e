import {
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
  type Document,
} from "mongodb";
import { ConfigError, StoreError } from "../../errors.ts";
import { GOLD_TABLES, type GoldTableName } from "../../contract/gold-tables.ts";
import type { Cell, ColumnDef, Row } from "../../contract/columns.ts";
import { collectionName, type ReadOptions, type RefreshMetadata, type ServingStore, type TableBatch } from "../serving-store.ts";
import { INDEXED_COLUMNS, checkRead, columnsOf, notServedYet, type CheckedRead } from "../table-access.ts";
import { maskUri, type MongoSettings } from "./settings.ts";

/**
 * The MongoDB serving store (SPEC's `MONGODB_*` settings): one collection per gold table,
 * documents carrying an internal `_row` (gold order, never returned). A table is loaded into
 * `<name>__staging_<run id>`, indexed there, then renamed over the served collection with
 * `dropTarget`, so readers switch from the old collection to the new one in one step.
 * `_refresh_metadata` holds one document per collection, replaced at each write.
 */

export interface MongoOptions extends MongoSettings {
  /** How long to look for a server before calling it unreachable. */
  serverSelectionTimeoutMS?: number;
}

const METADATA = "_refresh_metadata";
/** What a find meets when the collection is renamed over mid-read: a swap, to read again like any other. */
const SWAPPED_UNDER_US = new Set([26, 43, 175]);
/** Reads that each met a swap before one is given up as a failure (a swap takes far longer than a read). */
const READ_ATTEMPTS = 5;
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

/** Exported for tests that put a double around the driver; everything else opens it with openMongoStore. */
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

  async replaceTable(table: GoldTableName, batches: AsyncIterable<TableBatch>, runId: string): Promise<RefreshMetadata> {
    const started = new Date();
    const target = collectionName(table, this.prefix);
    const staging = this.db.collection(`${target}__staging_${runId.replace(/[^A-Za-z0-9_.-]/g, "_")}`);
    const columns: readonly ColumnDef[] = GOLD_TABLES[table].columns;
    try {
      await this.guard(async () => {
        // Staging collections left by a killed export: writers hold the lake's lock, so none is in use.
        const leftovers = await this.db.listCollections({ name: { $regex: `^${target}__staging_` } }, { nameOnly: true }).toArray();
        for (const { name } of leftovers) await this.db.collection(name).drop();
        await this.db.createCollection(staging.collectionName);
      });
      let count = 0;
      for await (const batch of batches) {
        const { rowCount, values } = columnsOf(batch, columns);
        if (rowCount === 0) continue;
        // Only the gold columns, each present (a missing cell is stored as null, not omitted).
        const docs: Document[] = [];
        for (let r = 0; r < rowCount; r++) {
          const doc: Document = { _row: count++ };
          for (let c = 0; c < columns.length; c++) doc[columns[c]!.name] = values[c]![r] ?? null;
          docs.push(doc);
        }
        await this.guard(() => staging.insertMany(docs, { ordered: false }));
      }
      await this.guard(async () => {
        // Compound with _row so a filter on the column also returns rows in gold order.
        const indexed = INDEXED_COLUMNS[table] ?? [];
        await staging.createIndexes([
          { key: { _row: 1 }, unique: true },
          ...indexed.map((column) => ({ key: { [column]: 1, _row: 1 } })),
        ]);
        await staging.rename(target, { dropTarget: true });
      });
      const ended = new Date();
      const meta: RefreshMetadata = {
        collection: target,
        write_start: started.toISOString(),
        write_end: ended.toISOString(),
        duration_seconds: (ended.getTime() - started.getTime()) / 1000,
        record_count: count,
        run_id: runId,
      };
      await this.guard(async () => {
        const metadata = this.db.collection(METADATA);
        await metadata.createIndex({ collection: 1 }, { unique: true });
        await metadata.replaceOne({ collection: target }, { ...meta }, { upsert: true });
      });
      return meta;
    } catch (err) {
      await staging.drop().catch(() => undefined);
      throw err;
    }
  }

  async read(table: GoldTableName, options?: ReadOptions): Promise<{ rows: Row[]; total: number }> {
    const query = checkRead(table, options);
    const name = collectionName(table, this.prefix);
    const collection = this.db.collection(name);
    const columns: readonly ColumnDef[] = GOLD_TABLES[table].columns;
    const filter = filterOf(query.where, columns);
    const sort: Document = query.sort
      ? { [query.sort.column]: query.sort.direction === "desc" ? -1 : 1, _row: 1 }
      : { _row: 1 };
    // The page and the count are two commands: a swap landing between them would pair the old
    // rows with the new count. Each answer is kept only if the collection's version was the
    // same before and after both.
    const answer = await this.guard(async () => {
      for (let attempt = 1; ; attempt++) {
        const version = await this.versionOf(name);
        if (version === undefined) throw notServedYet(name);
        try {
          // Mongo reads a limit of 0 as "no limit".
          const page =
            query.limit === 0
              ? []
              : await collection
                  .find(filter, { projection: { _id: 0, _row: 0 }, sort, skip: query.skip, limit: query.limit, allowDiskUse: true })
                  .toArray();
          const total = query.where.length ? await collection.countDocuments(filter) : await collection.estimatedDocumentCount();
          if ((await this.versionOf(name)) === version) return { page, total };
        } catch (err) {
          if (!(err instanceof MongoServerError && SWAPPED_UNDER_US.has(Number(err.code)))) throw err;
        }
        if (attempt === READ_ATTEMPTS) {
          throw new StoreError("failed", `MongoDB at ${this.location}: ${name} was replaced during ${READ_ATTEMPTS} reads in a row; try again`);
        }
      }
    });
    // Rows carry exactly the gold columns in order, whatever else a document holds.
    const rows = answer.page.map((doc) => {
      const row: Row = {};
      for (const c of columns) row[c.name] = c.type === "date" ? isoDate(doc[c.name]) : (doc[c.name] ?? null);
      return row;
    });
    return { rows, total: answer.total };
  }

  async refreshMetadata(collection?: string): Promise<RefreshMetadata[]> {
    const docs = await this.guard(() =>
      this.db
        .collection(METADATA)
        .find(collection === undefined ? {} : { collection }, { projection: { _id: 0 } })
        .sort({ collection: 1 })
        .toArray(),
    );
    return docs.map((d) => ({
      collection: String(d.collection),
      write_start: String(d.write_start),
      write_end: String(d.write_end),
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

  /**
   * The served collection's version: its UUID, which a rename carries over from the staging
   * collection, so one UUID before and after a read means every part of it met one collection.
   * Undefined when there is no such collection. The name is checked here too, since some
   * servers ignore listCollections' filter. A server that lists no UUID gives one constant
   * version, and its reads cannot tell a swap from none.
   */
  private async versionOf(name: string): Promise<string | undefined> {
    const listed = await this.db.listCollections({ name }, { nameOnly: false }).toArray();
    const entry = listed.find((c) => c.name === name);
    return entry === undefined ? undefined : JSON.stringify(entry.info?.uuid ?? null);
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

/**
 * A read's filter. Dates are BSON dates in a store exported by this version and strings in one
 * exported before, and Mongo compares a date only with dates: a condition on a date column
 * matches either form.
 */
function filterOf(where: CheckedRead["where"], columns: readonly ColumnDef[]): Document {
  const conditions = new Map<string, Document>();
  for (const w of where) conditions.set(w.column, { ...conditions.get(w.column), [`$${w.op}`]: w.value });
  const filter: Document = {};
  const either: Document[] = [];
  for (const [column, condition] of conditions) {
    if (columns.find((c) => c.name === column)?.type !== "date") {
      filter[column] = condition;
      continue;
    }
    const asDates = Object.entries(condition).map(([op, v]) => [op, ISO_DAY.test(String(v)) ? new Date(`${v}T00:00:00Z`) : v]);
    either.push({ $or: [{ [column]: condition }, { [column]: Object.fromEntries(asDates) }] });
  }
  if (either.length > 0) filter.$and = either;
  return filter;
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A date cell as the API answers it, `YYYY-MM-DD`: a BSON date (the calendar day at 00:00 UTC)
 * or the string a store written before dates were stored as BSON holds.
 */
function isoDate(value: unknown): Cell {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return value === undefined || value === null ? null : String(value);
}

/** Wrong credentials or missing privileges, wherever the driver wrapped the server's answer. */
function refusedAccess(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e instanceof MongoServerError && AUTH_CODES.has(Number(e.code))) return true;
  }
  return false;
}
