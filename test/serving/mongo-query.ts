import type { Document } from "mongodb";

/**
 * The part of MongoDB's query language the store sends, for the test doubles of the driver
 * (fake-mongo.ts for reads, recording-mongo.ts for writes): comparisons with Mongo's rule that
 * values of different types never compare, $and, $or, $in, $nin, $not and $type; sorts in
 * Mongo's order of types (numbers, then strings, then dates); and the aggregation stages of
 * `refreshMetadata`.
 */

/** Mongo's order of types, then the value within a type. */
export function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown) => (v === null || v === undefined ? 0 : typeof v === "number" ? 1 : typeof v === "string" ? 2 : 3);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  const x = a instanceof Date ? a.getTime() : (a as number | string | null);
  const y = b instanceof Date ? b.getTime() : (b as number | string | null);
  return x === y || x === null ? 0 : x! < y! ? -1 : 1;
}

export function compareBy(a: Document, b: Document, sort: Document): number {
  for (const [key, direction] of Object.entries(sort)) {
    const c = compareValues(a[key], b[key]) * Number(direction);
    if (c !== 0) return c;
  }
  return 0;
}

function sameType(a: unknown, b: unknown): boolean {
  return a instanceof Date ? b instanceof Date : typeof a === typeof b && !(b instanceof Date);
}

const isOperators = (condition: unknown): condition is Document =>
  condition !== null && typeof condition === "object" && !(condition instanceof Date) && !Array.isArray(condition);

function satisfies(value: unknown, ops: Document): boolean {
  return Object.entries(ops).every(([op, operand]) => {
    if (op === "$type") return operand === "date" ? value instanceof Date : typeof value === operand;
    if (op === "$not") return !satisfies(value, operand as Document);
    if (op === "$in") return (operand as unknown[]).some((o) => sameType(value, o) && compareValues(value, o) === 0);
    if (op === "$nin") return !(operand as unknown[]).some((o) => sameType(value, o) && compareValues(value, o) === 0);
    if (!sameType(value, operand)) return false;
    const c = compareValues(value, operand);
    return op === "$eq" ? c === 0 : op === "$gte" ? c >= 0 : op === "$lte" ? c <= 0 : false;
  });
}

export function matches(doc: Document, filter: Document): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === "$and") return (condition as Document[]).every((f) => matches(doc, f));
    if (key === "$or") return (condition as Document[]).some((f) => matches(doc, f));
    return satisfies(doc[key], isOperators(condition) ? condition : { $eq: condition });
  });
}

/** $match, $sort, $group by one field keeping `$first: "$$ROOT"`, and $replaceRoot. */
export function aggregate(docs: readonly Document[], pipeline: readonly Document[]): Document[] {
  let out = [...docs];
  for (const stage of pipeline) {
    const [name, spec] = Object.entries(stage)[0]!;
    if (name === "$match") out = out.filter((d) => matches(d, spec));
    else if (name === "$sort") out.sort((a, b) => compareBy(a, b, spec));
    else if (name === "$group") {
      const by = String(spec._id).slice(1);
      const [field] = Object.keys(spec).filter((k) => k !== "_id");
      const groups = new Map<unknown, Document>();
      for (const d of out) if (!groups.has(d[by])) groups.set(d[by], { _id: d[by], [field!]: d });
      out = [...groups.values()];
    } else if (name === "$replaceRoot") out = out.map((d) => d[String(spec.newRoot).slice(1)] as Document);
    else throw new Error(`the test double has no ${name} stage`);
  }
  return out;
}
