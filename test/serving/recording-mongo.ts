import type { Document } from "mongodb";
import { aggregate, compareBy, matches } from "./mongo-query.ts";

/**
 * A stand-in for the MongoDB driver's Db, for the write path where no server runs: it keeps
 * collections as arrays, records every call in order, and answers listCollections with every
 * collection whatever the filter, as a server that ignored the filter did.
 */

export interface Call {
  op: string;
  collection: string;
  docs?: number;
  to?: string;
}

export interface IndexSpec {
  name: string;
  key: Document;
  unique?: boolean;
}

export class FakeDb {
  readonly collections = new Map<string, { docs: Document[]; indexes: IndexSpec[] }>();
  readonly calls: Call[] = [];
  /** insertMany calls running at once, at most, and how long each takes. */
  maxInFlight = 0;
  insertDelayMs = 0;
  private inFlight = 0;

  /** When set, deleteMany fails with it. */
  deleteFailure: Error | undefined;
  /** The next _id insertMany gives a document, increasing as the driver's ObjectIds do. */
  private nextId = 1;

  constructor(initial: Record<string, Document[]> = {}) {
    for (const [name, docs] of Object.entries(initial)) this.collections.set(name, { docs: [...docs], indexes: [] });
  }

  private withId(doc: Document): Document {
    return { _id: this.nextId++, ...doc };
  }

  listCollections(_filter?: Document) {
    const names = [...this.collections.keys()].map((name) => ({ name }));
    return { toArray: async () => names };
  }

  async createCollection(name: string) {
    this.calls.push({ op: "createCollection", collection: name });
    if (this.collections.has(name)) throw new Error(`collection ${name} already exists`);
    this.collections.set(name, { docs: [], indexes: [] });
  }

  collection(name: string) {
    const db = this;
    const own = () => db.collections.get(name);
    const ensure = () => {
      if (!own()) db.collections.set(name, { docs: [], indexes: [] });
      return own()!;
    };
    return {
      collectionName: name,
      async insertMany(docs: Document[], options?: { ordered?: boolean; forceServerObjectId?: boolean }) {
        // As the driver does: without forceServerObjectId it gives each document an _id itself.
        const ids = options?.forceServerObjectId ? (docs.some((d) => "_id" in d) ? " with-client-ids" : " server-ids") : "";
        db.calls.push({ op: `${options?.ordered === false ? "insertMany unordered" : "insertMany"}${ids}`, collection: name, docs: docs.length });
        db.maxInFlight = Math.max(db.maxInFlight, ++db.inFlight);
        try {
          if (db.insertDelayMs) await Bun.sleep(db.insertDelayMs);
          ensure().docs.push(...docs.map((d) => db.withId(d)));
        } finally {
          db.inFlight--;
        }
        return { insertedCount: docs.length };
      },
      /** A filter, a sort, skip and an inclusive projection. */
      find(filter: Document, options: { projection: Document; sort: Document; skip?: number }) {
        const found = (own()?.docs ?? []).filter((d) => matches(d, filter)).sort((a, b) => compareBy(a, b, options.sort));
        const fields = Object.keys(options.projection);
        const docs = found.slice(options.skip ?? 0).map((d) => Object.fromEntries(fields.map((k) => [k, d[k]])));
        return { toArray: async () => docs };
      },
      aggregate(pipeline: Document[]) {
        return { toArray: async () => aggregate(own()?.docs ?? [], pipeline) };
      },
      /** `{ _id: { $in: [...] } }` only. */
      async deleteMany(filter: { _id: { $in: unknown[] } }) {
        db.calls.push({ op: "deleteMany", collection: name, docs: filter._id.$in.length });
        if (db.deleteFailure) throw db.deleteFailure;
        const gone = new Set(filter._id.$in);
        const found = own();
        if (found) found.docs = found.docs.filter((d) => !gone.has(d._id));
        return { deletedCount: gone.size };
      },
      async createIndexes(specs: IndexSpec[]) {
        db.calls.push({ op: "createIndexes", collection: name });
        ensure().indexes.push(...specs);
      },
      async createIndex(key: Document, options: { unique?: boolean } = {}) {
        db.calls.push({ op: "createIndex", collection: name });
        ensure().indexes.push({ name: Object.keys(key).join("_"), key, ...options });
      },
      async indexes() {
        const found = own();
        if (!found) throw new Error("ns does not exist");
        return found.indexes;
      },
      async dropIndex(index: string) {
        db.calls.push({ op: "dropIndex", collection: name, to: index });
        const found = own()!;
        found.indexes = found.indexes.filter((i) => i.name !== index);
      },
      async rename(to: string, options?: { dropTarget?: boolean }) {
        db.calls.push({ op: "rename", collection: name, to });
        if (db.collections.has(to) && !options?.dropTarget) throw new Error(`target ${to} exists`);
        db.collections.set(to, own()!);
        db.collections.delete(name);
      },
      async drop() {
        db.calls.push({ op: "drop", collection: name });
        return db.collections.delete(name);
      },
    };
  }
}
