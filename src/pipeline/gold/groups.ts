import { grown, Utf8Values } from "./columns.ts";

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
      this.ca = grown(this.ca, new Float64Array(size));
      this.count = grown(this.count, new Uint32Array(size));
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
    return g ?? this.open(key);
  }

  protected open(key: K): number {
    const g = this.keys.length;
    this.#index.set(key, g);
    this.keys.push(key);
    this.measures.open();
    return g;
  }
}

/**
 * Groups of names (products, countries; clients' names, leaving the measures unused), also kept
 * as UTF-8 for the writers. A name is kept as a fresh string decoded from those bytes: the one
 * given may be a slice of a whole page of text, which it would keep alive.
 */
export class Vocabulary extends Groups<string> {
  readonly utf8 = new Utf8Values();

  protected override open(name: string): number {
    return super.open(this.utf8.get(this.utf8.pushString(name)));
  }
}
