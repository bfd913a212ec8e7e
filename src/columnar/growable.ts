/** A Float64Array that grows by doubling: amounts for q99 without an array of boxed numbers. */
export class GrowableFloat64 {
  private data: Float64Array;
  length = 0;

  /** `capacity`: the expected count (bronze knows a file's records), so nothing is copied. */
  constructor(capacity = 0) {
    this.data = new Float64Array(Math.max(capacity, 1 << 16));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /** The values pushed (a view over the internal buffer). */
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** Values per chunk: a reader walking several chunked columns row by row counts on their chunks lining up. */
export const CHUNK_BITS = 16;
export const CHUNK = 1 << CHUNK_BITS;

/**
 * Numbers in chunks of 65,536: grows without copying and never holds more than a chunk of
 * room it does not use (a doubling array may hold twice what it needs, and copies it all at
 * each step), read back by position. For columns of tens of millions of values.
 */
export class ChunkedNumbers<A extends Float64Array | Uint32Array | Uint16Array> {
  private chunks: A[] = [];
  private last: A | undefined;
  private filled = CHUNK;
  length = 0;

  constructor(private make: (length: number) => A) {}

  push(value: number): void {
    if (this.filled === CHUNK) {
      this.last = this.make(CHUNK);
      this.chunks.push(this.last);
      this.filled = 0;
    }
    this.last![this.filled++] = value;
    this.length++;
  }

  /**
   * Appends `values[from..from + count)`, a chunk's room at a time, copied natively: a push per
   * value into chunks of several array types was a call that stayed polymorphic.
   */
  pushAll(values: Float64Array | Int32Array, from: number, count: number): void {
    for (let at = from, end = from + count; at < end; ) {
      if (this.filled === CHUNK) {
        this.last = this.make(CHUNK);
        this.chunks.push(this.last);
        this.filled = 0;
      }
      const n = Math.min(CHUNK - this.filled, end - at);
      this.last!.set(values.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
    }
    this.length += count;
  }

  at(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & (CHUNK - 1)]!;
  }

  /** Copies every chunk into an array `make` gives (a wider type, say), and makes the next ones with it. */
  remake(make: (length: number) => A): void {
    this.make = make;
    this.chunks = this.chunks.map((chunk) => {
      const wider = make(CHUNK);
      wider.set(chunk);
      return wider;
    });
    this.last = this.chunks.at(-1);
  }

  /** Its chunks and length, to post to another thread (the chunks' buffers can be transferred). */
  parts(): ChunkedParts<A> {
    return { chunks: this.chunks, length: this.length };
  }

  /** The numbers another thread handed over with `parts`. */
  static of<A extends Float64Array | Uint32Array | Uint16Array>(parts: ChunkedParts<A>, make: (length: number) => A): ChunkedNumbers<A> {
    const numbers = new ChunkedNumbers(make);
    numbers.chunks.push(...parts.chunks);
    numbers.last = parts.chunks.at(-1);
    numbers.length = parts.length;
    numbers.filled = parts.chunks.length === 0 ? CHUNK : parts.length - (parts.chunks.length - 1) * CHUNK;
    return numbers;
  }
}

export interface ChunkedParts<A extends Float64Array | Uint32Array | Uint16Array> {
  chunks: A[];
  length: number;
}
