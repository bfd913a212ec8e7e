import { dayNumber } from "../dates.ts";
import { grown, Utf8Values } from "./columns.ts";
import { Measures, Vocabulary } from "./groups.ts";
import { KeyNumbers } from "./key-numbers.ts";

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
  readonly #inscriptionOf = new Map<string, number>();
  /** Country group of kept clients, -1 where pays is null. */
  country: Int32Array;
  readonly countries = new Vocabulary();
  /** Purchases of every client number. */
  readonly measures: Measures;

  constructor(expected = 0) {
    const capacity = Math.max(expected, 64);
    this.ids = new Float64Array(capacity);
    this.name = new Int32Array(capacity);
    this.email = new Utf8Values(capacity, capacity * 32); // room for emails of about 30 bytes
    this.inscription = new Int32Array(capacity);
    this.country = new Int32Array(capacity);
    this.measures = new Measures(capacity);
  }

  /**
   * A kept client; ignored when its id came before (silver keeps the first). Every kept client
   * comes before the first orphan.
   */
  keep(id: number, nom: string, email: string, inscription: string, country: number): void {
    if (this.#numbers.get(id) >= 0) return;
    if (this.count > this.kept) throw new Error("gold: a client was added after the purchases");
    const c = this.#open(id);
    if (c === this.inscription.length) {
      const size = Math.ceil(c * 1.5);
      this.name = grown(this.name, new Int32Array(size));
      this.inscription = grown(this.inscription, new Int32Array(size));
      this.country = grown(this.country, new Int32Array(size));
    }
    this.name[c] = this.names.of(nom);
    this.email.pushString(email);
    this.inscription[c] = this.#inscriptionOf.get(inscription) ?? this.#inscriptionDay(inscription);
    this.country[c] = country;
    this.kept++;
  }

  #inscriptionDay(iso: string): number {
    const n = this.inscriptionDays.push(dayNumber(iso)) - 1;
    this.#inscriptionOf.set(iso, n);
    return n;
  }

  /** The number of a purchase's client, opening an orphan for an id met for the first time. */
  numberOf(id: number): number {
    const c = this.#numbers.get(id);
    return c >= 0 ? c : this.#open(id);
  }

  #open(id: number): number {
    const c = this.measures.open();
    if (c === this.ids.length) this.ids = grown(this.ids, new Float64Array(this.measures.ca.length));
    this.ids[c] = id;
    this.#numbers.set(id, c);
    this.count++;
    return c;
  }
}
