import {
  MongoClient,
  MongoError,
  type MongoClientOptions,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
  type Document,
} from "mongodb";
import { ConfigError, StoreError } from "../../core/errors.ts";
import { GOLD_TABLES, type GoldTableName } from "../../contract/gold-tables.ts";
import type { ColumnDef, Row } from "../../contract/columns.ts";
import { collectionName, replaceInSession, type ExportSession, type ReadOptions, type RefreshMetadata, type ServingStore, type TableBatch } from "../serving-store.ts";
import { checkRead, notServedYet, type CheckedRead } from "../table-access.ts";
import { rowOf } from "./documents.ts";
import { ELT_WRITTEN, METADATA, MongoExport, type MongoWriter } from "./mongo-export.ts";
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
  /** For tests that need an export begun long ago; Date.now otherwise. */
  clock?: () => number;
}

/** What a find meets when the collection is renamed over mid-read: a swap, to read again like any other. */
const SWAPPED_UNDER_US = new Set([26, 43, 175]);
/** Reads that each met a swap before one is given up as a failure (a swap takes far longer than a read). */
const READ_ATTEMPTS = 5;

/** `versionOf`'s answer where a collection's UUID cannot tell one version from the next. */
const NO_VERSION = "none";
/** Listings `uuidsStay` makes at most, once per store: a swap takes far longer than a listing. */
const UUID_LISTINGS = 6;

/**
 * A page and its count in one aggregate: on a server whose collections carry no steady
 * version, one command is what reads one version. Slower where the count is the whole
 * collection's (every document is counted rather than the collection's size read), so only
 * there. The page is unwound from the $facet's one document: each document an aggregate
 * answers must fit 16 MiB, which a page of 100,000 purchases (the refresh probe's) does not.
 */
async function readInOne(collection: Collection, filter: Document, sort: Document, query: CheckedRead): Promise<{ page: Document[]; total: number }> {
  // $limit takes no 0: a limit of 0 asks for the count alone; none, for the whole table.
  const limit = query.limit === undefined ? [] : [{ $limit: Math.max(1, query.limit) }];
  const page = [{ $sort: sort }, { $skip: query.skip }, ...limit, { $project: { _id: 0, _row: 0 } }];
  const answers = await collection
    .aggregate<{ page?: Document; total: { n: number }[] }>(
      [
        { $match: filter },
        { $facet: { page, total: [{ $count: "n" }] } },
        // An empty page still answers one document, with the count.
        { $unwind: { path: "$page", preserveNullAndEmptyArrays: true } },
      ],
      { allowDiskUse: true },
    )
    .toArray();
  const rows = query.limit === 0 ? [] : answers.flatMap((answer) => (answer.page === undefined ? [] : [answer.page]));
  return { page: rows, total: answers[0]?.total[0]?.n ?? 0 };
}

/** Unauthorized, AuthenticationFailed, and Atlas's "bad auth". */
const AUTH_CODES = new Set([13, 18, 8000]);

/**
 * How long the driver waits, unless MONGODB_URI says otherwise: a server to select and a
 * connection to open, a few seconds; an answer on an open socket, long enough for the slowest
 * thing an export asks (an index built over millions of documents), where the driver's own
 * default would wait forever on a server that stopped answering.
 */
const TIMEOUTS_MS = { serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000, socketTimeoutMS: 120_000 };

/**
 * How the driver watches the servers: by asking every heartbeat rather than by a stream of
 * answers the server pushes. A server that takes the streaming request but does not stream
 * (one MongoDB-compatible server) made the driver clear its pool mid-export, every time; a
 * poll costs a command every 10 s, and an error still makes the driver look again at once.
 */
const MONITORING = { serverMonitoringMode: "poll" } as const;

/** The client's options: the timeouts above and MONITORING, each unless the connection string sets its own. */
export function clientOptions(options: MongoOptions): MongoClientOptions {
  const { ConnectionString } = require("mongodb-connection-string-url") as typeof import("mongodb-connection-string-url");
  const given = new Set([...new ConnectionString(options.uri).searchParams.keys()].map((k) => k.toLowerCase()));
  const timeouts: Record<string, number> = { ...TIMEOUTS_MS };
  if (options.serverSelectionTimeoutMS !== undefined) {
    timeouts.serverSelectionTimeoutMS = timeouts.connectTimeoutMS = options.serverSelectionTimeoutMS;
  }
  // Options given to the client win over the string's: leave out those the string sets.
  return { appName: "elt", ...Object.fromEntries(Object.entries({ ...timeouts, ...MONITORING }).filter(([k]) => !given.has(k.toLowerCase()))) };
}

export async function openMongoStore(options: MongoOptions): Promise<ServingStore> {
  let client: MongoClient;
  try {
    client = new MongoClient(options.uri, clientOptions(options));
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
  private readonly clock: () => number;
  /** Whether the server lists a collection's UUID the same each time (`versionOf`): found out once. */
  private uuidsHold: Promise<boolean> | undefined;

  constructor(
    private readonly client: MongoClient,
    options: MongoOptions,
  ) {
    this.location = maskUri(options.uri);
    this.prefix = options.prefix;
    this.db = client.db(options.database);
    this.clock = options.clock ?? Date.now;
  }

  async beginExport(runId: string): Promise<ExportSession> {
    const writer: MongoWriter = { db: this.db, prefix: this.prefix, now: this.clock, guard: (fn) => this.guard(fn) };
    return MongoExport.begin(writer, runId);
  }

  replaceTable(table: GoldTableName, batches: AsyncIterable<TableBatch>, runId: string): Promise<RefreshMetadata> {
    return replaceInSession(this, table, batches, runId);
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
          if (version === NO_VERSION) return await readInOne(collection, filter, sort, query);
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
    const rows = answer.page.map((doc) => rowOf(doc, columns));
    return { rows, total: answer.total };
  }

  async refreshMetadata(collection?: string): Promise<RefreshMetadata[]> {
    // One document per write: the latest of each collection is its current one. elt writes
    // its times as strings; the original project may have written BSON dates, which Mongo
    // sorts above every string whatever their time. So elt's latest write of a collection is
    // its current one, and a collection only the original project wrote is read from its own.
    const metadata = this.db.collection(METADATA);
    const latest = (match: Document) =>
      metadata
        .aggregate([
          { $match: match },
          { $sort: { collection: 1, write_end: -1, _id: -1 } },
          { $group: { _id: "$collection", latest: { $first: "$$ROOT" } } },
          { $replaceRoot: { newRoot: "$latest" } },
        ])
        .toArray();
    const docs = await this.guard(async () => {
      const named = collection === undefined ? {} : { collection };
      const own = await latest({ ...named, write_end: ELT_WRITTEN });
      if (collection !== undefined && own.length > 0) return own;
      // The collections elt has not written: none of their documents is elt's.
      const others = collection === undefined ? { collection: { $nin: own.map((d) => d.collection) } } : named;
      return [...own, ...(await latest(others))];
    });
    docs.sort((a, b) => (String(a.collection) < String(b.collection) ? -1 : 1));
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

  /**
   * The served collection's version: its UUID, which a rename carries over from the staging
   * collection, so one UUID before and after a read means every part of it met one collection.
   * Undefined when there is no such collection. The name is checked here too, since some
   * servers ignore listCollections' filter. NO_VERSION from a server that lists no UUID, or a
   * new one each time it is asked (one MongoDB-compatible server does): its reads are then one
   * command each (`readInOne`).
   */
  private async versionOf(name: string): Promise<string | undefined> {
    const uuid = await this.uuidOf(name);
    if (uuid === undefined) return undefined;
    if (!this.uuidsHold) {
      // A probe that failed (a lost connection) is asked again by the next read, not kept.
      const probe = this.uuidsStay(name, uuid);
      this.uuidsHold = probe;
      probe.catch(() => {
        if (this.uuidsHold === probe) this.uuidsHold = undefined;
      });
    }
    return (await this.uuidsHold) ? uuid : NO_VERSION;
  }

  /** The collection's UUID as listed (NO_VERSION for none), or undefined when there is no such collection. */
  private async uuidOf(name: string): Promise<string | undefined> {
    const listed = await this.db.listCollections({ name }, { nameOnly: false }).toArray();
    const entry = listed.find((c) => c.name === name);
    return entry === undefined ? undefined : entry.info?.uuid === undefined ? NO_VERSION : JSON.stringify(entry.info.uuid);
  }

  /**
   * Asked once per store: whether the server lists one UUID twice in a row for a collection,
   * in up to UUID_LISTINGS listings. A server that lists a new one each time never does; a
   * mongod does unless a swap lands between every two of them.
   */
  private async uuidsStay(name: string, first: string): Promise<boolean> {
    let last = first;
    for (let listing = 2; listing <= UUID_LISTINGS; listing++) {
      const next = await this.uuidOf(name);
      if (next === last) return true;
      last = next ?? last;
    }
    return false;
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

/** A metadata timestamp as ISO 8601: elt writes strings, the original project may have written dates. */
const timestamp = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));

/** Wrong credentials or missing privileges, wherever the driver wrapped the server's answer. */
function refusedAccess(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e instanceof MongoServerError && AUTH_CODES.has(Number(e.code))) return true;
  }
  return false;
}
