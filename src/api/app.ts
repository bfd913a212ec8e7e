import { cors } from "@elysiajs/cors";
import { openapi } from "@elysiajs/openapi";
import { runRoutes, type RunHistory } from "./runs.ts";
import { scheduleRoutes, type ScheduleStatus } from "./schedule.ts";
import { DOCS_ASSETS_PATH, docsAssets, swaggerPageOptions } from "./docs-assets.ts";
import { Elysia } from "elysia";
import pkg from "../../package.json" with { type: "json" };
import { redact } from "../core/redact.ts";
import { StoreError, errorLine } from "../core/errors.ts";
import { GOLD_TABLES, GOLD_TABLE_NAMES, type GoldTableName } from "../contract/gold-tables.ts";
import { collectionName, type RefreshMetadata, type ServingStore } from "../serving/serving-store.ts";
import { apiKeyCheck } from "./auth.ts";
import { AnswerCache, type Answer } from "./answer-cache.ts";
import { etagMatches, etagOf } from "./etag.ts";
import { hotRoutes, pathAndQuery } from "./hot-routes.ts";
import {
  errorSchema,
  healthSchema,
  pageSchema,
  queryErrorLine,
  refreshTimeJson,
  rowSchema,
  tableOfCollection,
  tableQuerySchema,
  type QueryParameter,
  type TableQuerySchema,
} from "./schemas.ts";

// A chunk of its own, loaded with the app: the executable is built with code splitting (so that
// \`elt --help\` parses only what it runs), and Bun 1.4's compiled executables cannot resolve the
// imports of a chunk that holds an HTML import together with other modules.
const { consoleRoutes } = await import("./console.ts");

/**
 * The read-only HTTP API over the serving store: SPEC's endpoints, the OpenAPI document and
 * its page at /docs. Listening is the caller's job (commands/serve.ts), so tests and the
 * refresh probe run the very same app.
 */

export interface AppOptions {
  store: ServingStore;
  /** When set, every endpoint but /health, the docs, the console's static files and CORS preflights requires it. */
  apiKey?: string;
  /** One line per request: method, path, status, milliseconds. */
  log?: (line: string) => void;
  /** Values never to let out in an error body or a log line (see secretsOf). */
  secrets?: readonly string[];
  /** The run history, served at /runs and /checks when given. */
  runs?: RunHistory;
  /** The schedule the serving process runs, served at /schedule when given. */
  schedule?: () => ScheduleStatus;
}

/** A refusal with its status and the one line the client reads. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const EMPTY_HINT = "no gold table has been exported to this store yet: run `elt run --all` first";
const PUBLIC_PATHS = new Set(["/health", "/docs", "/docs/json"]);

const json = (schema: object, description: string) => ({ description, content: { "application/json": { schema } } });
const ERROR_REF = { $ref: "#/components/schemas/Error" };
const RUN_HEADER = "x-elt-run";
const RUN_HEADER_DOC = {
  "X-Elt-Run": {
    description:
      "The run whose export wrote the table answered (its `run_id` in `/refresh_time`): every table of one export carries the same one, so equal values across tables mean one run's data.",
    schema: { type: "string" as const },
  },
};
const failures = (keyed: boolean) => ({
  ...(keyed ? { 401: json(ERROR_REF, "Missing or wrong API key (x-api-key or Authorization: Bearer).") } : {}),
  503: json(ERROR_REF, "The serving store cannot be read right now; retry later."),
});

export function createApp(options: AppOptions) {
  const { store, apiKey, log } = options;
  const secrets = [...(options.secrets ?? []), ...(apiKey ? [apiKey] : [])];
  const keyed = apiKey !== undefined;
  const keyMatches = apiKey === undefined ? () => true : apiKeyCheck(apiKey);
  const started = new WeakMap<Request, number>();

  const metadataOf = async (table: GoldTableName): Promise<RefreshMetadata | undefined> =>
    (await store.refreshMetadata(collectionName(table, store.prefix)))[0];
  const servedCollections = new Set(GOLD_TABLE_NAMES.map((t) => collectionName(t, store.prefix)));

  const accessLog = log && ((method: string, path: string, status: unknown, ms: number) => log(`${method} ${path} ${status} ${ms.toFixed(1)}ms`));
  const answers = new AnswerCache(ANSWER_CACHE_BYTES);
  // Filled in below, once the app exists: Elysia hands them to Bun.serve when it listens.
  const routes: Bun.Serve.Routes<unknown, string> = { ...consoleRoutes };

  const app = new Elysia({ serve: { routes } })
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onAfterResponse(({ request, set, responseValue, path }) => {
      if (!accessLog) return;
      const status = responseValue instanceof Response ? responseValue.status : set.status;
      accessLog(request.method, path, status, performance.now() - (started.get(request) ?? performance.now()));
    })
    .onError(({ code, error, request, set, path }) => {
      if (code === "NOT_FOUND") {
        if (READ_METHODS.has(request.method)) {
          set.status = 404;
          return { error: `no endpoint ${path}: see / for the list of endpoints, /docs for their documentation` };
        }
        set.status = 405;
        set.headers.allow = "GET, HEAD, OPTIONS";
        return { error: `${request.method} is not allowed: this API is read-only (GET)` };
      }
      if (error instanceof HttpError) {
        set.status = error.status;
        return { error: error.message };
      }
      if (error instanceof StoreError) {
        // A missing table is the client's 404; anything else is the store's trouble, not theirs.
        set.status = error.kind === "not_found" ? 404 : 503;
        return { error: redact(errorLine(error), secrets) };
      }
      set.status = 500;
      log?.(`error: ${redact(errorLine(error), secrets)}`);
      return { error: "internal error (see the server log)" };
    })
    .use(
      cors({
        // A predicate rather than "*": the plugin answers "*" with `Vary: *`, which no cache can reuse.
        origin: () => true,
        methods: ["GET", "HEAD"],
        allowedHeaders: ["x-api-key", "authorization", "if-none-match"],
        exposeHeaders: ["etag", RUN_HEADER],
        credentials: false,
        // Preflights go through the route below so they are logged like any request.
        preflight: false,
      }),
    )
    .use(
      openapi({
        path: "/docs",
        provider: "swagger-ui",
        swagger: swaggerPageOptions,
        documentation: {
          info: {
            title: "elt API",
            version: pkg.version,
            description:
              "Read-only access to the gold tables of the elt pipeline. Table endpoints answer " +
              "`{ data, count }`: `data` is the page (`limit` rows after `skip`), `count` the number " +
              "of rows matching the filters before paging. Responses carry an ETag; send it back " +
              "in If-None-Match to get 304 until the table is rewritten. `X-Elt-Run` names the run whose " +
              "export wrote the table answered: equal across tables, the answers come from one run.",
          },
          components: {
            schemas: {
              Error: errorSchema,
              ...Object.fromEntries(GOLD_TABLE_NAMES.map((t) => [t, rowSchema(t)])),
            },
            ...(keyed
              ? {
                  securitySchemes: {
                    apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
                    bearer: { type: "http", scheme: "bearer" },
                  },
                }
              : {}),
          },
          ...(keyed ? { security: [{ apiKey: [] }, { bearer: [] }] } : {}),
        },
      }),
    )
    .use(docsAssets)
    .onBeforeHandle(({ request, path, set }) => {
      if (request.method === "OPTIONS" || PUBLIC_PATHS.has(path) || path.startsWith(`${DOCS_ASSETS_PATH}/`) || keyMatches(request.headers)) return;
      set.headers["www-authenticate"] = 'Bearer realm="elt"';
      throw new HttpError(401, "missing or wrong API key: send it in the x-api-key header or as Authorization: Bearer");
    })
    // After the key check: an Elysia hook covers only the routes registered after it.
    .use(options.runs ? runRoutes(options.runs) : new Elysia())
    .use(options.schedule ? scheduleRoutes(options.schedule) : new Elysia())
    .options(
      "/*",
      ({ set }) => {
        set.status = 204;
        set.headers["access-control-max-age"] = "600";
      },
      { detail: { hide: true } },
    )
    .get(
      "/",
      () => ({
        name: "elt",
        version: pkg.version,
        docs: "/docs",
        openapi: "/docs/json",
        endpoints: [
          { path: "/health", description: "State of the serving store." },
          ...GOLD_TABLE_NAMES.map((t) => ({ path: `/${t}`, description: GOLD_TABLES[t].description })),
          { path: "/refresh_time/{collection_name}", description: "Last write of a table and the age of its data." },
          ...(options.runs
            ? [
                { path: "/runs", description: "Recent run records, newest first; /runs/{id} and /runs/{id}/logs for one." },
                { path: "/checks", description: "Each quality check's results across recent runs." },
              ]
            : []),
          ...(options.schedule ? [{ path: "/schedule", description: "The schedule this API runs and its next run." }] : []),
          { path: "/ui", description: "The web console." },
        ],
      }),
      { detail: { summary: "Index of the endpoints" } },
    )
    .get(
      "/health",
      async ({ set }) => {
        try {
          await store.ping();
          // The metadata is shared with every other prefix written to the same database.
          const metas = (await store.refreshMetadata()).filter((m) => servedCollections.has(m.collection));
          const last = metas.reduce<string | null>((max, m) => (max === null || m.write_end > max ? m.write_end : max), null);
          const state = { store: store.kind, tables: metas.length, last_write_end: last };
          return metas.length > 0 ? { status: "ok", ...state } : { status: "empty", ...state, hint: EMPTY_HINT };
        } catch (err) {
          set.status = 503;
          return { status: "unavailable", store: store.kind, error: redact(errorLine(err), secrets) };
        }
      },
      {
        detail: {
          summary: "State of the serving store",
          description:
            "200 when the store answers: status `ok` once gold tables of this API's prefix were exported, `empty` " +
            "with a hint before that. 503 with the reason when the store does not answer. Never needs the API key.",
          security: [],
          responses: {
            200: json(healthSchema, "The store answers (`ok`, or `empty` before any export)."),
            503: json(healthSchema, "The store does not answer."),
          },
        },
      },
    )
    .get(
      "/refresh_time/:collection_name",
      async ({ params }) => {
        const table = tableOfCollection(params.collection_name, store.prefix);
        if (!table) {
          const known = GOLD_TABLE_NAMES.join(", ");
          throw new HttpError(404, `unknown collection "${params.collection_name}": expected one of ${known} (or with the ${store.prefix} prefix)`);
        }
        const meta = await metadataOf(table);
        if (!meta) throw new HttpError(404, `${collectionName(table, store.prefix)} has not been written yet: run \`elt run --all\` first`);
        return { ...meta, refresh_time_seconds: (Date.now() - Date.parse(meta.write_end)) / 1000 };
      },
      {
        detail: {
          summary: "Last write of a table",
          description:
            "The table's last recorded write (start, end, duration, rows, run id) and `refresh_time_seconds`, " +
            "the age of its data: now minus write_end. Takes the table name (`kpis`) or its collection name.",
          responses: {
            200: json(refreshTimeJson, "The last write."),
            404: json(ERROR_REF, "Not a gold table, or never written."),
            ...failures(keyed),
          },
        },
      },
    );

  /**
   * The answer to a table request at the table's current version: the cached one while the
   * store's data version has not moved (or, without one, while the ETag is unchanged), else read
   * and encoded now. A table without metadata answers unversioned bytes, never cached.
   */
  const answerOf = async (table: GoldTableName, schema: TableQuerySchema["schema"], url: string): Promise<Answer | Uint8Array> => {
    const key = pathAndQuery(url);
    // Read first: whatever is cached or read below is at least as new as this version.
    const storeVersion = store.dataVersion?.();
    const cached = answers.get(key);
    if (cached && storeVersion !== undefined && cached.storeVersion === storeVersion) return cached;
    const parsed = schema.safeParse(Object.fromEntries(new URL(url).searchParams));
    if (!parsed.success) throw new HttpError(400, queryErrorLine(parsed.error));
    // Metadata before rows: if a write lands in between, the client holds newer data under an
    // older tag and refetches once, rather than older data under the newest tag for good.
    const meta = await metadataOf(table);
    const etag = meta && etagOf(meta, parsed.data);
    if (cached && cached.etag === etag) {
      cached.storeVersion = storeVersion;
      return cached;
    }
    const { rows, total } = await store.read(table, parsed.data);
    const body = encoder.encode(JSON.stringify({ data: rows, count: total }));
    if (!meta || !etag) return body;
    const answer: Answer = { etag, run: meta.run_id, body, storeVersion };
    // Kept only when the rows are those of `meta`'s version: no write landed meanwhile.
    const unchanged =
      storeVersion !== undefined ? store.dataVersion!() === storeVersion : await metadataOf(table).then((m) => m !== undefined && etagOf(m, parsed.data) === etag);
    if (unchanged) answers.set(key, answer);
    return answer;
  };

  for (const table of GOLD_TABLE_NAMES) {
    const query = tableQuerySchema(table);
    app.get(
      `/${table}`,
      async ({ request, set }) => {
        set.headers["cache-control"] = "no-cache";
        set.headers["content-type"] = "application/json";
        const answer = await answerOf(table, query.schema, request.url);
        if (answer instanceof Uint8Array) return answer;
        // Which export the answer comes from: a client reading several tables can tell they agree.
        set.headers[RUN_HEADER] = answer.run;
        set.headers.etag = answer.etag;
        if (etagMatches(request.headers.get("if-none-match") ?? undefined, answer.etag)) {
          set.status = 304;
          return;
        }
        return answer.body;
      },
      { detail: tableDetail(table, query.parameters, keyed) },
    );
  }
  Object.assign(
    routes,
    hotRoutes({
      paths: GOLD_TABLE_NAMES.map((t) => `/${t}`),
      answers,
      dataVersion: store.dataVersion && (() => store.dataVersion!()),
      keyMatches,
      fallback: (request) => app.fetch(request),
      log: accessLog,
    }),
  );
  return app;
}

/** What the answer cache may hold: enough for every table's default answer many times over. */
const ANSWER_CACHE_BYTES = 64 * 1024 * 1024;

const encoder = new TextEncoder();

function tableDetail(table: GoldTableName, parameters: QueryParameter[], keyed: boolean) {
  return {
    summary: table,
    description: `${GOLD_TABLES[table].description} \`count\` is the number of rows matching the filters, before \`limit\` and \`skip\`.`,
    tags: ["gold tables"],
    parameters,
    responses: {
      200: { ...json(pageSchema(`#/components/schemas/${table}`), "A page of rows in gold row order (or `sort`)."), headers: RUN_HEADER_DOC },
      304: { description: "Not modified: If-None-Match matched the current ETag.", headers: RUN_HEADER_DOC },
      400: json(ERROR_REF, "A bad query parameter; the message says what is allowed."),
      404: json(ERROR_REF, "The table has not been written yet."),
      ...failures(keyed),
    },
  };
}
