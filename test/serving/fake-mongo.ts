import { BSON, MongoServerError, type Document, type MongoClient } from "mongodb";
import { compareBy, matches } from "./mongo-query.ts";

/**
 * A stand-in for the parts of the MongoDB driver the store's read path uses, for what no
 * real server lets a test arrange: a swap landing exactly between two commands, or a server
 * that ignores listCollections' filter, or lists a new UUID each time, or none. Collections
 * are found by name at every command, as a server does, and each version of a collection has
 * its own UUID, as a rename carries over. Its queries are mongo-query.ts's.
 */

interface Version {
  uuid: string;
  docs: Document[];
}

export type Command = "listCollections" | "find" | "count" | "aggregate";

export class FakeMongo {
  private readonly collections = new Map<string, Version>();
  private versions = 0;
  /** Called after each command the store sends, with the collection it named. */
  afterCommand: (command: Command, name: string) => void = () => {};
  /** Answer listCollections with every collection, whatever the filter. */
  ignoreListFilter = false;
  /** How listCollections gives a collection's UUID: its version's, a new one each time, or none. */
  uuids: "versioned" | "fresh" | "none" = "versioned";
  private listed = 0;
  /** The size a document an aggregate answers may have (a server's is 16 MiB), in BSON bytes. */
  maxAnswerBytes = 16 * 1024 * 1024;

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
          const uuid = (n: string) => (this.uuids === "versioned" ? { uuid: this.collections.get(n)!.uuid } : this.uuids === "fresh" ? { uuid: `listed-${++this.listed}` } : {});
          const listed = names.map((n) => ({ name: n, type: "collection", info: { readOnly: false, ...uuid(n) } }));
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
      aggregate: (pipeline: Document[]) => ({
        toArray: async () => {
          const out = run(docs(), pipeline);
          this.afterCommand("aggregate", name);
          for (const doc of out) {
            const size = BSON.calculateObjectSize(doc);
            if (size > this.maxAnswerBytes) throw new MongoServerError({ message: `BSONObj size: ${size} is invalid`, code: 10334 });
          }
          return out;
        },
      }),
      estimatedDocumentCount: async () => {
        const n = docs().length;
        this.afterCommand("count", name);
        return n;
      },
    };
  }
}

/** The stages the store's one-command read sends: $match, $sort, $skip, $limit, $project (exclusions), $count, $facet, $unwind. */
function run(docs: Document[], pipeline: Document[]): Document[] {
  let out = docs;
  for (const stage of pipeline) {
    const [[op, arg]] = Object.entries(stage) as [[string, any]];
    if (op === "$match") out = out.filter((d) => matches(d, arg));
    else if (op === "$sort") out = [...out].sort((a, b) => compareBy(a, b, arg));
    else if (op === "$skip") out = out.slice(arg);
    else if (op === "$limit") out = out.slice(0, arg);
    else if (op === "$project") out = out.map((d) => Object.fromEntries(Object.entries(d).filter(([k]) => arg[k] !== 0)));
    else if (op === "$count") out = [{ [arg]: out.length }];
    else if (op === "$unwind") out = out.flatMap((d) => unwound(d, arg));
    else if (op === "$facet") out = [Object.fromEntries(Object.entries(arg as Record<string, Document[]>).map(([k, p]) => [k, run(out, p)]))];
    else throw new Error(`the fake runs no ${op}`);
  }
  return out;
}

/** `{ path: "$field", preserveNullAndEmptyArrays }`: a document per element, or the document without it where there is none. */
function unwound(doc: Document, arg: { path: string; preserveNullAndEmptyArrays?: boolean }): Document[] {
  const field = arg.path.slice(1);
  const values = doc[field];
  if (Array.isArray(values) && values.length > 0) return values.map((value) => ({ ...doc, [field]: value }));
  if (!arg.preserveNullAndEmptyArrays) return [];
  const { [field]: _, ...rest } = doc;
  return [rest];
}
