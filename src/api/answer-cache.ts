/**
 * Table answers encoded once per data version. A table's answer to one query changes only when
 * the table is rewritten, and every write records new metadata, so the ETag (which names the
 * metadata and the query) is the answer's version: an entry is good while the table's current
 * ETag equals the one it was encoded under. Bounded by bytes, least recently used first out.
 */

export interface Answer {
  /** The ETag it was encoded under: the table's metadata and the query. */
  etag: string;
  /** The run whose export wrote the table (X-Elt-Run). */
  run: string;
  /** `{ data, count }` as JSON. */
  body: Uint8Array;
  /**
   * The serving store's data version when the ETag was last found current (see
   * ServingStore.dataVersion): while it has not moved, the metadata need not be read again.
   */
  storeVersion: string | undefined;
  /** The headers the app sent with it to a plain GET, which the hot path sends again (hot-routes.ts). */
  headers?: Headers;
}

/** Keys and bookkeeping count too, roughly: an entry of a few bytes is not free. */
const ENTRY_OVERHEAD = 256;

export class AnswerCache {
  private readonly entries = new Map<string, Answer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Answer | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // A Map iterates in insertion order: re-inserting makes this the most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, answer: Answer): void {
    const size = sizeOf(key, answer);
    this.delete(key);
    // An answer bigger than the whole budget is served once and not kept.
    if (size > this.maxBytes) return;
    this.entries.set(key, answer);
    this.bytes += size;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= sizeOf(oldest, entry);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= sizeOf(key, entry);
  }

  /** Bytes held, as counted against the budget. */
  get size(): number {
    return this.bytes;
  }
}

const sizeOf = (key: string, answer: Answer) => answer.body.byteLength + key.length + answer.etag.length + ENTRY_OVERHEAD;
