import { ChunkedNumbers, type ChunkedParts } from "../../../columnar/growable.ts";

/**
 * Non-negative integers (safe ones) in chunks, as ChunkedNumbers holds numbers, all in the
 * narrowest array that holds every value so far: Uint16, then Uint32, then Float64, every chunk
 * widened when a value does not fit. A table's rowids and its index keys (text ids, small
 * integers) take 2 or 4 bytes a row this way rather than 8: at ten million rows, hundreds of
 * megabytes less for an export to hold. One width for every chunk keeps the loops that read
 * them on one array type.
 */

export type IntegerChunk = Uint16Array | Uint32Array | Float64Array;
export type IntegerWidth = 2 | 4 | 8;

/** The chunks and length, to post to another thread (the chunks' buffers can be transferred). */
export interface IntegerParts extends ChunkedParts<IntegerChunk> {
  width: IntegerWidth;
}

const LARGEST: Record<IntegerWidth, number> = { 2: 0xffff, 4: 0xffffffff, 8: Number.MAX_SAFE_INTEGER };

export class NarrowIntegers {
  private numbers: ChunkedNumbers<IntegerChunk>;
  private width: IntegerWidth = 2;
  private largest = LARGEST[2];

  /** `shared`: chunks in shared memory, read by several workers at once. */
  constructor(private readonly shared = false) {
    this.numbers = new ChunkedNumbers(this.maker());
  }

  get length(): number {
    return this.numbers.length;
  }

  /** `value`: a safe integer, 0 or more. */
  push(value: number): void {
    if (!(value >= 0 && value <= this.largest)) this.widen(value);
    this.numbers.push(value);
  }

  /** `values[from..from + count)`: safe integers (the caller checked), 0 or more; the array widened once, for the largest. */
  pushAll(values: Float64Array | Int32Array, from: number, count: number): void {
    let min = 0;
    let max = 0;
    for (let i = from; i < from + count; i++) {
      const value = values[i]!;
      if (value < min) min = value;
      if (value > max) max = value;
    }
    if (min < 0) this.widen(min);
    if (max > this.largest) this.widen(max);
    this.numbers.pushAll(values, from, count);
  }

  at(i: number): number {
    return this.numbers.at(i);
  }

  parts(): IntegerParts {
    return { width: this.width, ...this.numbers.parts() };
  }

  /** The integers another thread handed over with `parts`. */
  static of(parts: IntegerParts): NarrowIntegers {
    const integers = new NarrowIntegers();
    integers.width = parts.width;
    integers.largest = LARGEST[parts.width];
    integers.numbers = ChunkedNumbers.of(parts, integers.maker());
    return integers;
  }

  /** An array of `length` of this width, as the chunks are: for a reader that copies them. */
  static array(width: IntegerWidth, length: number): IntegerChunk {
    return width === 2 ? new Uint16Array(length) : width === 4 ? new Uint32Array(length) : new Float64Array(length);
  }

  private maker(): (length: number) => IntegerChunk {
    const { width, shared } = this;
    if (!shared) return (length) => NarrowIntegers.array(width, length);
    return (length) => {
      const buffer = new SharedArrayBuffer(length * width);
      return width === 2 ? new Uint16Array(buffer) : width === 4 ? new Uint32Array(buffer) : new Float64Array(buffer);
    };
  }

  private widen(value: number): void {
    if (!(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`not an integer from 0 to 2^53: ${value}`);
    this.width = value <= LARGEST[4] ? 4 : 8;
    this.largest = LARGEST[this.width];
    this.numbers.remake(this.maker());
  }
}
