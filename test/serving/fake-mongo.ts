import type { Document, MongoClient } from "mongodb";

/**
 * A stand-in for the parts of the MongoDB driver the store's read path uses, for what no
 * real server lets a test arrange: a swap landing exactly between two commands, or a server
 * that ignores listCollections' filter. Collections are found by name at every command, as a
 * server does, and each version of a collection has its own UUID, as a rename carries over.
 * Its query matching covers what the store sends: equality, $gte, $lte, $and and $or, with
 * Mongo's rule that values of different types never compare.
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

/** Mongo's order of types, then the value within a type. */
function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown) => (v === null || v === undefined ? 0 : typeof v === "number" ? 1 : typeof v === "string" ? 2 : 3);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  const x = a instanceof Date ? a.getTime() : (a as number | string | null);
  const y = b instanceof Date ? b.getTime() : (b as number | string | null);
  return x === y || x === null ? 0 : x! < y! ? -1 : 1;
}

function compareBy(a: Document, b: Document, sort: Document): number {
  for (const [key, direction] of Object.entries(sort)) {
    const c = compareValues(a[key], b[key]) * Number(direction);
    if (c !== 0) return c;
  }
  return 0;
}

function sameType(a: unknown, b: unknown): boolean {
  return a instanceof Date ? b instanceof Date : typeof a === typeof b && !(b instanceof Date);
}

function matches(doc: Document, filter: Document): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === "$and") return (condition as Document[]).every((f) => matches(doc, f));
    if (key === "$or") return (condition as Document[]).some((f) => matches(doc, f));
    const value = doc[key];
    const ops: Document = condition !== null && typeof condition === "object" && !(condition instanceof Date) ? condition : { $eq: condition };
    return Object.entries(ops).every(([op, operand]) => {
      if (!sameType(value, operand)) return false;
      const c = compareValues(value, operand);
      return op === "$eq" ? c === 0 : op === "$gte" ? c >= 0 : op === "$lte" ? c <= 0 : false;
    });
  });
}
