/** A Float64Array that grows by doubling: amounts for q99 without an array of boxed numbers. */
export class GrowableFloat64 {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  /** The values, sorted ascending (a view over the internal buffer). */
  sorted(): Float64Array {
    return this.data.subarray(0, this.length).sort();
  }
}
