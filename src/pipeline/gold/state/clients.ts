import { grown, sharedArray, Utf8Values } from "../../../columnar/columns.ts";
import { Measures, Vocabulary } from "./groups.ts";
import { KeyNumbers } from "../../../columnar/key-numbers.ts";

/**
 * The clients of fact, as columns rather than an object each: two million clients cost their
 * email's UTF-8 bytes and a few numbers apiece (names repeat, and are kept once each). Silver's
 * kept clients are numbered first, in the order given; orphans (purchases' ids that are no kept
 * client) follow as they are met, so a client number below `kept` has the client columns and
 * one at or above it has nulls there.
 */
export class Clients {
  readonly #numbers = new KeyNumbers();
  /** id_client of every client number, orphans included. */
  ids: Float64Array;
  count = 0;
  kept = 0;
  readonly names = new Vocabulary();
  /** The name of kept clients, in `names`. */
  name: Int32Array;
  readonly email: Utf8Values;
  /** date_inscription of kept clients, as a place in `inscriptionDays`: few days, many clients. */
  inscription: Int32Array;
  /** The day numbers of date_inscription, each once. */
  readonly inscriptionDays: number[] = [];
  readonly #inscriptionOf = new KeyNumbers();
  /** Country group of kept clients, -1 where pays is null. */
  country: Int32Array;
  readonly countries = new Vocabulary();
  /** Purchases of every client number. */
  readonly measures: Measures;

  constructor(expected = 0) {
    const capacity = Math.max(expected, 64);
    this.ids = sharedArray(Float64Array, capacity);
    this.name = sharedArray(Int32Array, capacity);
    this.email = new Utf8Values(capacity, capacity * 32); // room for emails of about 30 bytes
    this.inscription = sharedArray(Int32Array, capacity);
    this.country = sharedArray(Int32Array, capacity);
    this.measures = new Measures(capacity);
  }

  /**
   * A kept client, its name a group of `names`: true, and the caller appends its email to
   * `email`, unless its id came before (silver keeps the first). Every kept client comes
   * before the first orphan.
   */
  keep(id: number, name: number, inscriptionDay: number, country: number): boolean {
    if (this.#numbers.get(id) >= 0) return false;
    if (this.count > this.kept) throw new Error("gold: a client was added after the purchases");
    const c = this.#open(id);
    if (c === this.inscription.length) {
      const size = Math.ceil(c * 1.5);
      this.name = grown(this.name, size);
      this.inscription = grown(this.inscription, size);
      this.country = grown(this.country, size);
    }
    this.name[c] = name;
    const known = this.#inscriptionOf.get(inscriptionDay);
    this.inscription[c] = known >= 0 ? known : this.#inscription(inscriptionDay);
    this.country[c] = country;
    this.kept++;
    return true;
  }

  #inscription(day: number): number {
    const n = this.inscriptionDays.push(day) - 1;
    this.#inscriptionOf.set(day, n);
    return n;
  }

  /** The number of a purchase's client, opening an orphan for an id met for the first time. */
  numberOf(id: number): number {
    const c = this.#numbers.get(id);
    return c >= 0 ? c : this.#open(id);
  }

  #open(id: number): number {
    const c = this.measures.open();
    if (c === this.ids.length) this.ids = grown(this.ids, this.measures.ca.length);
    this.ids[c] = id;
    this.#numbers.set(id, c);
    this.count++;
    return c;
  }
}
