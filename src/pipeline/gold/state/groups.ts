import { grown, type Utf8Values } from "../../../columnar/columns.ts";
import { Utf8Keys } from "../../../columnar/utf8-keys.ts";

/** Running ca_total and nb_achats of the groups of a dimension, by dense group number. */
export class Measures {
  ca: Float64Array;
  count: Uint32Array;
  length = 0;

  constructor(capacity = 64) {
    this.ca = new Float64Array(Math.max(capacity, 16));
    this.count = new Uint32Array(this.ca.length);
  }

  /** A new group, with nothing yet. */
  open(): number {
    if (this.length === this.ca.length) {
      const size = Math.ceil(this.ca.length * 1.5);
      this.ca = grown(this.ca, size);
      this.count = grown(this.count, size);
    }
    return this.length++;
  }

  add(g: number, montant: number): void {
    this.ca[g]! += montant;
    this.count[g]!++;
  }
}

/** Groups keyed by value (a week, a month, a product), numbered in order of first sight. */
export class Groups<K> {
  readonly #index = new Map<K, number>();
  readonly keys: K[] = [];
  readonly measures = new Measures();

  /** The group of a key, opened on first sight. */
  of(key: K): number {
    const g = this.#index.get(key);
    return g ?? this.#open(key);
  }

  #open(key: K): number {
    const g = this.keys.length;
    this.#index.set(key, g);
    this.keys.push(key);
    this.measures.open();
    return g;
  }
}

/**
 * Groups of names (products, countries; clients' names, leaving the measures unused), looked
 * up by their UTF-8 bytes, which the writers also take. Each name is also kept as a string,
 * for ordering and for the small tables.
 */
export class Vocabulary {
  readonly #numbers = new Utf8Keys();
  readonly keys: string[] = [];
  readonly measures = new Measures();

  get utf8(): Utf8Values {
    return this.#numbers.values;
  }

  /** The group of the name in bytes [start, end) of `from`, opened on first sight. */
  ofBytes(from: Uint8Array, start: number, end: number): number {
    const g = this.#numbers.of(from, start, end);
    if (g === this.keys.length) {
      this.keys.push(this.utf8.get(g));
      this.measures.open();
    }
    return g;
  }

  /** The group of every entry of `values`. */
  groupsOf(values: Utf8Values): Int32Array {
    const { bytes, starts, count } = values;
    const groups = new Int32Array(count);
    for (let e = 0; e < count; e++) groups[e] = this.ofBytes(bytes, starts[e]!, starts[e + 1]!);
    return groups;
  }
}
