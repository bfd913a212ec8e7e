import type { Document, MongoClient } from "mongodb";
import { compareBy, matches } from "./mongo-query.ts";

/**
 * A stand-in for the parts of the MongoDB driver the store's read path uses, for what no
 * real server lets a test arrange: a swap landing exactly between two commands, or a server
 * that ignores listCollections' filter. Collections are found by name at every command, as a
 * server does, and each version of a collection has its own UUID, as a rename carries over.
 * Its queries are mongo-query.ts's.
 */

interface Version {
  uuid: string;
  docs: Document[];
}

export type Command = "listCollections" | "find" | "count";

export class FakeMongo {
  private readonly collections = new Map<string, Version>();
  private versions = 0;
  /** Called after each command the store sends, with the collection it named. */
  afterCommand: (command: Command, name: string) => void = () => {};
  /** Answer listCollections with every collection, whatever the filter. */
  ignoreListFilter = false;

  /** Puts a new version of `name` in place, as a rename over it does. */
  swap(name: string, docs: Document[]): void {
    this.collections.set(name, { uuid: `uuid-${++this.versions}`, docs: docs.map((d, row) => ({ _id: `${this.versions}-${row}`, _row: row, ...d })) });
  }

  /** What the store takes for a client: `db()` and `close()`. */
  client(): MongoClient {
    const db = {
      collection: (name: string) => this.collection(name),
      listCollections: (filter: Document) => ({
        toArray: async () => {
          const names = [...this.collections.keys()].filter((n) => this.ignoreListFilter || filter.name === undefined || filter.name === n);
          const listed = names.map((n) => ({ name: n, type: "collection", info: { readOnly: false, uuid: this.collections.get(n)!.uuid } }));
          this.afterCommand("listCollections", String(filter.name));
          return listed;
        },
      }),
      command: async () => ({ ok: 1 }),
    };
    return { db: () => db, close: async () => {} } as unknown as MongoClient;
  }

  private collection(name: string) {
    const docs = () => this.collections.get(name)?.docs ?? [];
    return {
      find: (filter: Document, options: { sort: Document; skip?: number; limit?: number; projection: Document }) => ({
        toArray: async () => {
          const found = docs()
            .filter((d) => matches(d, filter))
            .sort((a, b) => compareBy(a, b, options.sort))
            .slice(options.skip ?? 0, options.limit === undefined ? undefined : (options.skip ?? 0) + options.limit)
            .map((d) => Object.fromEntries(Object.entries(d).filter(([k]) => options.projection[k] !== 0)));
          this.afterCommand("find", name);
          return found;
        },
      }),
      countDocuments: async (filter: Document) => {
        const n = docs().filter((d) => matches(d, filter)).length;
        this.afterCommand("count", name);
        return n;
      },
      estimatedDocumentCount: async () => {
        const n = docs().length;
        this.afterCommand("count", name);
        return n;
      },
    };
  }
}
