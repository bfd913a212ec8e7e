import { CHUNK, CHUNK_BITS } from "../../../columnar/growable.ts";

/**
 * Non-negative integers (safe ones) in chunks, as ChunkedNumbers holds numbers, all in the
 * narrowest array that holds every value so far: Uint16, then Uint32, then Float64, every chunk
 * widened when a value does not fit. A table's rowids and its index keys (text ids, small
 * integers) take 2 or 4 bytes a row this way rather than 8: at ten million rows, hundreds of
 * megabytes less for an export to hold. One width for every chunk keeps the loops that read
 * them on one array type. A twin of ChunkedNumbers rather than a use of it: that one's array
 * type is fixed when it is made, and these widen.
 */

export type IntegerChunk = Uint16Array | Uint32Array | Float64Array;
export type IntegerWidth = 2 | 4 | 8;

/** The chunks and length, to post to another thread (the chunks' buffers can be transferred). */
export interface IntegerParts {
  width: IntegerWidth;
  chunks: IntegerChunk[];
  length: number;
}

const LARGEST: Record<IntegerWidth, number> = { 2: 0xffff, 4: 0xffffffff, 8: Number.MAX_SAFE_INTEGER };

export class NarrowIntegers {
  private chunks: IntegerChunk[] = [];
  private last: IntegerChunk | undefined;
  private filled = CHUNK;
  private width: IntegerWidth = 2;
  private largest = LARGEST[2];
  length = 0;

  /** `shared`: chunks in shared memory, read by several workers at once. */
  constructor(private readonly shared = false) {}

  /** `value`: a safe integer, 0 or more. */
  push(value: number): void {
    if (!(value >= 0 && value <= this.largest)) this.widen(value);
    if (this.filled === CHUNK) {
      this.last = this.make(CHUNK);
      this.chunks.push(this.last);
      this.filled = 0;
    }
    this.last![this.filled++] = value;
    this.length++;
  }

  at(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & (CHUNK - 1)]!;
  }

  parts(): IntegerParts {
    return { width: this.width, chunks: this.chunks, length: this.length };
  }

  /** The integers another thread handed over with `parts`. */
  static of(parts: IntegerParts): NarrowIntegers {
    const numbers = new NarrowIntegers();
    numbers.width = parts.width;
    numbers.largest = LARGEST[parts.width];
    numbers.chunks = parts.chunks;
    numbers.last = parts.chunks.at(-1);
    numbers.length = parts.length;
    numbers.filled = parts.chunks.length === 0 ? CHUNK : parts.length - (parts.chunks.length - 1) * CHUNK;
    return numbers;
  }

  /** An array of `length` of this width, as the chunks are: for a reader that copies them. */
  static array(width: IntegerWidth, length: number): IntegerChunk {
    return width === 2 ? new Uint16Array(length) : width === 4 ? new Uint32Array(length) : new Float64Array(length);
  }

  private make(length: number): IntegerChunk {
    if (!this.shared) return NarrowIntegers.array(this.width, length);
    const buffer = new SharedArrayBuffer(length * this.width);
    return this.width === 2 ? new Uint16Array(buffer) : this.width === 4 ? new Uint32Array(buffer) : new Float64Array(buffer);
  }

  private widen(value: number): void {
    if (!(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`not an integer from 0 to 2^53: ${value}`);
    this.width = value <= LARGEST[4] ? 4 : 8;
    this.largest = LARGEST[this.width];
    this.chunks = this.chunks.map((chunk) => {
      const wider = this.make(CHUNK);
      wider.set(chunk);
      return wider;
    });
    this.last = this.chunks.at(-1);
  }
}
