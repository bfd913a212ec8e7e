type Typed = Float64Array | Uint32Array;

/** A typed array that grows by doubling: many numbers without an array of boxed ones. */
class Growable<A extends Typed> {
  private data: A;
  length = 0;

  constructor(
    private readonly make: (length: number) => A,
    capacity: number,
  ) {
    this.data = make(Math.max(capacity, 1 << 16));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = this.make(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /** The values pushed (a view over the internal buffer). */
  values(): A {
    return this.data.subarray(0, this.length) as A;
  }
}

/** Amounts for q99, index keys. `capacity`: the expected count (bronze knows a file's records), so nothing is copied. */
export class GrowableFloat64 extends Growable<Float64Array> {
  constructor(capacity = 0) {
    super((n) => new Float64Array(n), capacity);
  }
}

/** Small non-negative integers: dictionary ids. */
export class GrowableUint32 extends Growable<Uint32Array> {
  constructor(capacity = 0) {
    super((n) => new Uint32Array(n), capacity);
  }
}
