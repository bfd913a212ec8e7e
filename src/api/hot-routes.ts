import type { AnswerCache } from "./answer-cache.ts";

/**
 * The table endpoints' hot path, as Bun.serve GET routes in front of the app: a plain GET whose
 * answer is cached at the store's current data version is answered with the cached bytes and
 * the very headers the app sent with them, without going through the app's hooks (which cost
 * more than the whole bare server). Everything else (a CORS or conditional
 * request, a wrong key, a miss, a store that does not answer) goes to the app, which also
 * hands the hot path the headers of each answer it caches.
 */

export interface HotRouteOptions {
  /** Paths of the table endpoints (`/kpis`). */
  paths: readonly string[];
  answers: AnswerCache;
  /** The store's data version (ServingStore.dataVersion); without one there is no hot path. */
  dataVersion: (() => string) | undefined;
  keyMatches: (headers: Headers) => boolean;
  /** The whole app. */
  fallback: (request: Request) => Response | Promise<Response>;
  /** The access log line of one answer, as the app writes it. */
  log?: (method: string, path: string, status: number, ms: number) => void;
}

type Route = (request: Request) => Response | Promise<Response>;
/** By method: Elysia merges these over its own routes method by method, so a bare handler would be dropped. */
type Routes = Record<string, { GET: Route }>;

/** The request's path and query (`/fact_achats?limit=10`), the answers' cache key. */
export function pathAndQuery(url: string): string {
  return url.slice(url.indexOf("/", url.indexOf("//") + 2));
}

/**
 * `read`, called at most once per turn of the event loop. The requests one turn answers had all
 * reached the server when the turn began (the poll found their sockets ready), so an answer at
 * the version read for the first of them holds every write committed before any was sent; one
 * read for all of them spares its system calls on every answer but one under load.
 */
export function oncePerTurn<T>(read: () => T): () => T {
  let current: { value: T } | undefined;
  return () => {
    if (current) return current.value;
    current = { value: read() };
    setImmediate(() => (current = undefined));
    return current.value;
  };
}

export function hotRoutes(options: HotRouteOptions): Routes {
  const { answers, keyMatches, fallback, log } = options;
  if (!options.dataVersion) return {};
  const dataVersion = oncePerTurn(options.dataVersion);
  /** Answers only what any other client sending this URL would get byte for byte. */
  const plain = (request: Request) =>
    !request.headers.has("origin") && !request.headers.has("if-none-match") && keyMatches(request.headers);

  const route: Route = (request) => {
    if (!plain(request)) return fallback(request);
    const started = performance.now();
    const key = pathAndQuery(request.url);
    const cached = answers.get(key);
    let current = false;
    try {
      current = cached?.headers !== undefined && cached.storeVersion === dataVersion();
    } catch {
      // The store's trouble is the app's to answer (503 with the reason).
    }
    if (!current) return learn(key, fallback(request));
    if (log) {
      const query = key.indexOf("?");
      log(request.method, query < 0 ? key : key.slice(0, query), 200, performance.now() - started);
    }
    return new Response(cached!.body, { headers: cached!.headers });
  };

  /** Keeps the headers the app sent with an answer it cached, for the hot path to send again. */
  const learn = async (key: string, response: Response | Promise<Response>): Promise<Response> => {
    const res = await response;
    const entry = answers.get(key);
    if (res.status === 200 && entry && res.headers.get("etag") === entry.etag) entry.headers = new Headers(res.headers);
    return res;
  };

  return Object.fromEntries(options.paths.map((path) => [path, { GET: route }]));
}
