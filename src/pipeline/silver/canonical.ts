import type { CsvBatch } from "../../formats/csv-reader.ts";
import { COUNTRIES, PRODUCTS } from "../../contract/sources.ts";

/**
 * Case-insensitive lookup of reference spellings; anything else is kept as written. The
 * reference spelling itself, by far the common case, is recognised from its bytes.
 */
class Canonical {
  private readonly bytes: Uint8Array[];
  private readonly bySpelling = new Map<string, string>();

  constructor(private readonly references: readonly string[]) {
    this.bytes = references.map((ref) => new TextEncoder().encode(ref));
    for (const ref of references) this.bySpelling.set(ref.toLowerCase(), ref);
  }

  ofText(s: string): string {
    return this.bySpelling.get(s.toLowerCase()) ?? s;
  }

  of(batch: CsvBatch, start: number, end: number): string {
    const b = batch.bytes;
    next: for (let k = 0; k < this.bytes.length; k++) {
      const ref = this.bytes[k]!;
      if (ref.length !== end - start) continue;
      for (let i = 0; i < ref.length; i++) if (b[start + i] !== ref[i]) continue next;
      return this.references[k]!;
    }
    return this.ofText(batch.decode(start, end));
  }
}

export const countries = new Canonical(COUNTRIES);
export const products = new Canonical(Object.keys(PRODUCTS));
