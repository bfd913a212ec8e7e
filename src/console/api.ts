/**
 * The console reads the same HTTP API as the terminal dashboard, from the page's own origin.
 * With API_KEY set on the server, the key is asked for once and kept for the browser session.
 */

const KEY_STORE = "elt-api-key";

export class Unauthorized extends Error {}
export class NotServed extends Error {}

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_STORE);
}

export function setApiKey(key: string): void {
  sessionStorage.setItem(KEY_STORE, key);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = apiKey();
  return key ? { "x-api-key": key, ...extra } : extra;
}

async function failure(res: Response, path: string): Promise<Error> {
  if (res.status === 401) return new Unauthorized("the API needs its key");
  const body = (await res.json().catch(() => null)) as { error?: string } | null;
  if (res.status === 404) return new NotServed(body?.error ?? `${path}: not found`);
  return new Error(`GET ${path}: ${res.status}${body?.error ? ` ${body.error}` : ""}`);
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw await failure(res, path);
  return (await res.json()) as T;
}

/** Rows of a whole gold table (the aggregate tables are bounded: at most a few thousand rows). */
export async function table<T>(name: string): Promise<T[]> {
  return (await getJson<{ data: T[] }>(`/${name}?limit=10000`)).data;
}

/**
 * Watches a resource with If-None-Match: calls `changed` when its ETag moves, `checked` after
 * every poll. Returns a stop function.
 */
export function watch(path: string, everyMs: number, changed: () => void, checked: (error?: string) => void): () => void {
  let etag: string | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = async () => {
    try {
      const res = await fetch(path, { headers: headers(etag ? { "if-none-match": etag } : {}) });
      if (res.status !== 304) {
        if (!res.ok) throw await failure(res, path);
        const next = res.headers.get("etag");
        if (etag !== null && next !== etag) changed();
        etag = next;
      }
      checked();
    } catch (err) {
      checked(err instanceof Error ? err.message : String(err));
    }
    if (!stopped) timer = setTimeout(poll, everyMs);
  };
  void poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
