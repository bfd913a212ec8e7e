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
