import { z } from "zod";
import { GOLD_TABLES, GROWING_TABLES, isGoldTable, type GoldTableName } from "../contract/gold-tables.ts";
import type { ColumnType } from "../contract/columns.ts";
import { COUNTRIES, PRODUCTS } from "../contract/sources.ts";
import { SERVING_BACKENDS } from "../serving/registry/backends.ts";
import { refreshMetadataSchema, type ReadOptions } from "../serving/serving-store.ts";

/**
 * What the API accepts and answers. Query strings are parsed here once with zod; the same
 * definitions describe the parameters in the OpenAPI document, so the docs cannot drift from
 * what is enforced.
 */

export const LIMIT_DEFAULT = 1000;
export const LIMIT_MAX = 10000;

/**
 * SPEC: the tables that grow with the purchases come a page at a time (LIMIT_DEFAULT rows
 * unless `limit` says otherwise); every other one, a row per day, product or country, comes
 * whole unless `limit` is given.
 */
export const PAGED_TABLES = GROWING_TABLES;

/** A page of a table, filtered and sorted: what a table endpoint hands to the serving store. */
export type TableQuery = ReadOptions & { skip: number };

/** A table named as itself (`kpis`) or as its served collection (`gold_kpis`); anything else is not served. */
export function tableOfCollection(name: string, prefix: string): GoldTableName | undefined {
  if (isGoldTable(name)) return name;
  const bare = prefix && name.startsWith(prefix) ? name.slice(prefix.length) : "";
  return isGoldTable(bare) ? bare : undefined;
}

const integer = (name: string, min: number, max: number) => {
  const message =
    max === Number.MAX_SAFE_INTEGER
      ? `${name} must be an integer of at least ${min}`
      : `${name} must be an integer between ${min} and ${max}`;
  // Digits only: "1e3", " 5" or "0x10" are typos, not numbers to guess at.
  return z.string().regex(/^\d{1,16}$/, message).transform(Number).pipe(z.number().int().min(min, message).max(max, message));
};

const isoDate = (name: string) => z.iso.date({ error: `${name} must be a calendar date written YYYY-MM-DD` });

/** Reference values as the silver layer spells them, so `pays=france` finds "France". */
const referenceSpelling = (values: readonly string[]) => {
  const byLower = new Map(values.map((v) => [v.toLowerCase(), v]));
  return (v: string) => byLower.get(v.toLowerCase()) ?? v;
};

const text = (name: string, reference: readonly string[]) =>
  z
    .string()
    .trim()
    .min(1, `${name} must not be empty`)
    .max(200, `${name} must be at most 200 characters`)
    .overwrite(referenceSpelling(reference));

const pageShape = (table: GoldTableName) => ({
  limit: PAGED_TABLES.has(table)
    ? integer("limit", 1, LIMIT_MAX)
        .default(LIMIT_DEFAULT)
        .meta({ description: `Rows per page, 1 to ${LIMIT_MAX} (default ${LIMIT_DEFAULT}).` })
    : integer("limit", 1, LIMIT_MAX)
        .optional()
        .meta({ description: `Rows per page, 1 to ${LIMIT_MAX} (default: the whole table).` }),
  skip: integer("skip", 0, Number.MAX_SAFE_INTEGER)
    .default(0)
    .meta({ description: "Rows to skip before the page starts (default 0)." }),
});

const sortParam = (table: GoldTableName) => {
  const columns = GOLD_TABLES[table].columns.map((c) => c.name);
  return z
    .enum([...columns, ...columns.map((c) => `-${c}`)], {
      error: `sort must be a column of ${table}, prefixed with - for descending order: ${columns.join(", ")}`,
    })
    .optional()
    .meta({ description: "Sort by this column (`-column` for descending); default: the table's gold row order." });
};

const factFilterShape = {
  date_from: isoDate("date_from").optional().meta({ description: "Purchases on or after this date (YYYY-MM-DD)." }),
  date_to: isoDate("date_to").optional().meta({ description: "Purchases on or before this date (YYYY-MM-DD)." }),
  pays: text("pays", COUNTRIES).optional().meta({ description: "Client country (reference countries match case-insensitively)." }),
  produit: text("produit", Object.keys(PRODUCTS))
    .optional()
    .meta({ description: "Product (reference products match case-insensitively)." }),
  id_client: integer("id_client", 1, Number.MAX_SAFE_INTEGER).optional().meta({ description: "Purchases of this client." }),
};

type Where = NonNullable<ReadOptions["where"]>;

/** A query as parsed, before it becomes ReadOptions; tables other than fact_achats have no filters. */
interface ParsedQuery {
  limit?: number;
  skip: number;
  sort?: string;
  date_from?: string;
  date_to?: string;
  pays?: string;
  produit?: string;
  id_client?: number;
}

function toTableQuery(q: ParsedQuery): TableQuery {
  const where: Where = [];
  if (q.date_from) where.push({ column: "date_achat", op: "gte", value: q.date_from });
  if (q.date_to) where.push({ column: "date_achat", op: "lte", value: q.date_to });
  if (q.pays) where.push({ column: "pays", op: "eq", value: q.pays });
  if (q.produit) where.push({ column: "produit", op: "eq", value: q.produit });
  if (q.id_client) where.push({ column: "id_client", op: "eq", value: q.id_client });
  const out: TableQuery = { skip: q.skip };
  if (q.limit !== undefined) out.limit = q.limit;
  if (where.length > 0) out.where = where;
  if (q.sort) {
    const desc = q.sort.startsWith("-");
    out.sort = { column: desc ? q.sort.slice(1) : q.sort, direction: desc ? "desc" : "asc" };
  }
  return out;
}

export interface QueryParameter {
  name: string;
  in: "query";
  required: false;
  description?: string;
  schema: Record<string, unknown>;
}

export type RawQuery = Record<string, string | undefined>;

export interface TableQuerySchema {
  schema: z.ZodType<TableQuery, RawQuery>;
  parameters: QueryParameter[];
}

/** The query schema of a table endpoint and its OpenAPI parameters. */
export function tableQuerySchema(table: GoldTableName): TableQuerySchema {
  const base = { ...pageShape(table), sort: sortParam(table) };
  const shape: Record<string, z.ZodType> = table === "fact_achats" ? { ...base, ...factFilterShape } : base;
  const names = Object.keys(shape);
  const unknown = (issue: { code?: string; keys?: string[] }) =>
    issue.code === "unrecognized_keys"
      ? `unknown parameter ${issue.keys?.map((k) => `"${k}"`).join(", ")}; /${table} accepts ${names.join(", ")}`
      : undefined;
  const parsed = (table === "fact_achats"
    ? z.strictObject({ ...base, ...factFilterShape }, { error: unknown })
    : z.strictObject(base, { error: unknown })) as z.ZodType<ParsedQuery, RawQuery>;
  const schema = parsed
    .refine((q) => !q.date_from || !q.date_to || q.date_from <= q.date_to, "date_from must not be after date_to")
    .transform(toTableQuery);
  const parameters = Object.entries(shape).map(([name, field]): QueryParameter => {
    const { $schema: _, description, ...json } = z.toJSONSchema(field, { io: "output" });
    return { name, in: "query", required: false, description, schema: json };
  });
  return { schema, parameters };
}

/** The one line a client sees for a rejected query. */
export function queryErrorLine(error: z.ZodError): string {
  return error.issues[0]?.message ?? "invalid query";
}

// Response shapes, for the OpenAPI document only: these are what we write, not what we parse.

type JsonSchema = Record<string, unknown>;

const JSON_TYPES: Record<ColumnType, JsonSchema> = {
  int: { type: ["integer", "null"] },
  double: { type: ["number", "null"] },
  string: { type: ["string", "null"] },
  date: { type: ["string", "null"], format: "date" },
};

export function rowSchema(table: GoldTableName): JsonSchema {
  const columns = GOLD_TABLES[table].columns;
  return {
    type: "object",
    properties: Object.fromEntries(columns.map((c) => [c.name, JSON_TYPES[c.type]])),
    required: columns.map((c) => c.name),
    additionalProperties: false,
  };
}

export const pageSchema = (rowRef: string): JsonSchema => ({
  type: "object",
  properties: {
    data: { type: "array", items: { $ref: rowRef }, description: "The page: at most `limit` rows after `skip`." },
    count: {
      type: "integer",
      description: "Rows of the table that match the filters, before limit and skip: the size of the whole result.",
    },
  },
  required: ["data", "count"],
});

export const errorSchema: JsonSchema = {
  type: "object",
  properties: { error: { type: "string", description: "What went wrong and what is allowed, in one line." } },
  required: ["error"],
};

/** What /refresh_time answers, which the refresh client parses with this same schema. */
export const refreshTimeSchema = refreshMetadataSchema.extend({
  refresh_time_seconds: z.number().meta({ description: "Age of the data: now minus write_end, in seconds." }),
});
export type RefreshTime = z.infer<typeof refreshTimeSchema>;

export const refreshTimeJson: JsonSchema = (() => {
  const { $schema: _, ...json } = z.toJSONSchema(refreshTimeSchema, {
    // Input side: the document lists the fields, it does not forbid others.
    io: "input",
    // An integer's safe range only restates what JSON numbers hold; a count needs no bounds.
    override: ({ jsonSchema }) => {
      if (jsonSchema.type === "integer" && jsonSchema.maximum === Number.MAX_SAFE_INTEGER) {
        delete jsonSchema.minimum;
        delete jsonSchema.maximum;
      }
    },
  });
  return json;
})();

export const healthSchema: JsonSchema = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["ok", "empty", "unavailable"] },
    store: { type: "string", enum: SERVING_BACKENDS.map((b) => b.kind) },
    tables: { type: "integer", description: "Gold tables of this API's collection prefix with a recorded write." },
    last_write_end: { type: ["string", "null"], format: "date-time" },
    hint: { type: "string", description: "With `empty`: what to run to fill the store." },
    error: { type: "string" },
  },
  required: ["status", "store"],
};
