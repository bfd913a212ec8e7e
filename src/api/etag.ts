import { createHash } from "node:crypto";
import type { RefreshMetadata } from "../serving/serving-store.ts";

/**
 * Cache validators. A table's content changes only when it is rewritten, and every write
 * records a new run_id/write_end, so those plus the query name one exact answer.
 */
export function etagOf(meta: RefreshMetadata, query: unknown): string {
  const hash = createHash("sha256").update(`${meta.collection}\n${meta.run_id}\n${meta.write_end}\n${JSON.stringify(query)}`);
  return `"${hash.digest("base64url").slice(0, 27)}"`;
}

/** If-None-Match uses the weak comparison: `W/"x"` matches `"x"`, and `*` matches anything. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || (tag.startsWith("W/") ? tag.slice(2) : tag) === etag;
  });
}
