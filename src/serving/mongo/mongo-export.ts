import type { Collection, Db, Document } from "mongodb";
import { StoreError, errorLine } from "../../core/errors.ts";
import { GOLD_TABLES, type GoldTableName } from "../../contract/gold-tables.ts";
import type { ColumnDef } from "../../contract/columns.ts";
import { KEPT_WRITES, collectionName, loadMetadata, type ExportSession, type RefreshMetadata, type TableBatch } from "../serving-store.ts";
import { isStaleStaging, stagingName, stagingSession } from "../staging.ts";
import { INDEXES, columnsOf } from "../table-access.ts";
import { storedCell } from "./documents.ts";

/**
 * One run's collections loaded aside (staging.ts's names), indexed once loaded, then
 * renamed over the served ones in one quick sequence after every load succeeded, with
 * `_refresh_metadata` written last. Mongo has no transaction over renames: a process killed
 * inside that sequence leaves some collections renamed, which the metadata, written after
 * them, does not claim yet. Writers may be on other hosts, so a killed export's collections
 * are known stale only by their age: an hour after it began.
 */

export const METADATA = "_refresh_metadata";
/** elt's own metadata documents: their times are ISO strings (the original project's may be dates). */
export const ELT_WRITTEN = { $type: "string" } as const;
/** Documents per insertMany, and how many are in flight at once: the server works while we encode. */
const DOCS_PER_WRITE = 10_000;
const WRITES_IN_FLIGHT = 4;

/** What a session needs of the store: its database and prefix, and its errors made StoreErrors. */
export interface MongoWriter {
  readonly db: Db;
  readonly prefix: string;
  /** Milliseconds since the epoch: when a session starts, and when another's staging is stale. */
  now(): number;
  guard<T>(fn: () => Promise<T>): Promise<T>;
}

interface Staged {
  staging: Collection;
  meta: RefreshMetadata;
}

/** Drops the staging collections of sessions long dead; every name is checked here, not by the server. */
async function dropStaleStaging(writer: MongoWriter, now: number): Promise<void> {
  await writer.guard(async () => {
    const names = await writer.db.listCollections({}, { nameOnly: true }).toArray();
    for (const { name } of names) if (isStaleStaging(name, writer.prefix, { now, sameHost: false })) await writer.db.collection(name).drop();
  });
}

export class MongoExport implements ExportSession {
  readonly warnings: string[] = [];
  private readonly staged: Staged[] = [];
  private done = false;

  private constructor(
    private readonly writer: MongoWriter,
    private readonly runId: string,
    private readonly session: string,
  ) {}

  static async begin(writer: MongoWriter, runId: string): Promise<MongoExport> {
    const now = writer.now();
    await dropStaleStaging(writer, now);
    return new MongoExport(writer, runId, stagingSession(now));
  }

  async load(table: GoldTableName, batches: AsyncIterable<TableBatch>): Promise<RefreshMetadata> {
    const { db, guard } = this.writer;
    const started = new Date();
    const target = collectionName(table, this.writer.prefix);
    const staging = db.collection(stagingName(target, this.session));
    const columns: readonly ColumnDef[] = GOLD_TABLES[table].columns;
    // Registered first, so an abort drops it whatever fails below.
    const staged: Staged = { staging, meta: { collection: target, write_start: "", write_end: "", duration_seconds: 0, record_count: 0, run_id: this.runId } };
    this.staged.push(staged);
    await guard(() => db.createCollection(staging.collectionName));
    const writes = new Set<Promise<unknown>>();
    let failure: unknown;
    const send = async (docs: Document[]) => {
      while (writes.size >= WRITES_IN_FLIGHT) await Promise.race(writes);
      if (failure !== undefined) throw failure;
      // The server gives each document its _id: made here, they were a fifth of the CPU the driver spent encoding.
      const write: Promise<unknown> = guard(() => staging.insertMany(docs, { ordered: false, forceServerObjectId: true })).then(
        (): void => void writes.delete(write),
        (err: unknown): void => {
          writes.delete(write);
          failure ??= err;
        },
      );
      writes.add(write);
    };
    let count = 0;
    let docs: Document[] = [];
    for await (const batch of batches) {
      const { rowCount, values } = columnsOf(batch, columns);
      for (let r = 0; r < rowCount; r++) {
        const doc: Document = { _row: count++ };
        for (let c = 0; c < columns.length; c++) doc[columns[c]!.name] = storedCell(columns[c]!, values[c]![r]);
        docs.push(doc);
        if (docs.length === DOCS_PER_WRITE) {
          await send(docs);
          docs = [];
        }
      }
    }
    if (docs.length > 0) await send(docs);
    await Promise.all(writes);
    if (failure !== undefined) throw failure;
    // Built once the documents are in: one pass over the collection instead of one per insert.
    // Compound with _row so a filter on the columns also returns rows in gold order.
    const indexed = INDEXES[table] ?? [];
    await guard(() =>
      staging.createIndexes([
        { key: { _row: 1 }, unique: true },
        ...indexed.map((columns) => ({ key: { ...Object.fromEntries(columns.map((c) => [c, 1])), _row: 1 } })),
      ]),
    );
    staged.meta = loadMetadata(target, started, count, this.runId);
    return staged.meta;
  }

  async commit(): Promise<RefreshMetadata[]> {
    const { db, guard } = this.writer;
    let renamed = 0;
    await guard(async () => {
      try {
        for (const { staging, meta } of this.staged) {
          await staging.rename(meta.collection, { dropTarget: true });
          renamed++;
        }
      } catch (err) {
        // MongoDB has no transaction over renames: say plainly what is served now.
        if (renamed === 0) throw err;
        throw new StoreError(
          "failed",
          `MongoDB failed after ${renamed} of ${this.staged.length} collections were swapped in: the served tables mix two runs until the next export (\`elt run export --force\`)`,
          { cause: err },
        );
      }
      this.done = true;
      const metadata = db.collection(METADATA);
      await dropUniqueCollectionIndex(metadata);
      // In the order refreshMetadata and trimHistory read, so neither sorts in memory.
      await metadata.createIndex({ collection: 1, write_end: -1, _id: -1 });
      // Copies: insertMany adds an _id to the documents it is given.
      await metadata.insertMany(this.staged.map((s) => ({ ...s.meta })));
    });
    // The tables are served by now: a trim that fails loses nothing, the next export's trims again.
    await guard(() => trimHistory(db.collection(METADATA), this.staged.map((s) => s.meta.collection))).catch((err: unknown) => {
      this.warnings.push(`the refresh history was not trimmed to ${KEPT_WRITES} writes per collection: ${errorLine(err)}; the next export tries again`);
    });
    return this.staged.map((s) => s.meta);
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const { staging } of this.staged) await staging.drop().catch(() => undefined);
  }
}

/** Documents deleted by one command while trimming a long history (the original project's, say). */
const TRIM_BATCH = 10_000;

/**
 * Each of `collections` keeps elt's latest KEPT_WRITES documents, in the order `refreshMetadata`
 * reads them. The original project's documents are left as they are: they never grow.
 */
async function trimHistory(metadata: Collection, collections: readonly string[]): Promise<void> {
  for (const collection of collections) {
    const beyond = await metadata
      .find({ collection, write_end: ELT_WRITTEN }, { projection: { _id: 1 }, sort: { write_end: -1, _id: -1 }, skip: KEPT_WRITES })
      .toArray();
    for (let at = 0; at < beyond.length; at += TRIM_BATCH) {
      await metadata.deleteMany({ _id: { $in: beyond.slice(at, at + TRIM_BATCH).map((d) => d._id) } });
    }
  }
}

/**
 * Earlier versions kept one metadata document per collection under a unique index, which
 * would refuse a second write's document: it goes, whatever documents are there.
 */
async function dropUniqueCollectionIndex(metadata: Collection): Promise<void> {
  // A collection not created yet has no indexes: the server answers NamespaceNotFound.
  const indexes = await metadata.indexes().catch(() => [] as Document[]);
  for (const index of indexes) {
    const keys = Object.keys(index.key ?? {});
    if (index.unique && keys.length === 1 && keys[0] === "collection") await metadata.dropIndex(String(index.name));
  }
}
