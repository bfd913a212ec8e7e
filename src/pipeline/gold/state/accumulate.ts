/**
 * Silver's clients and purchases, accumulated for gold as they are read (column batches, as
 * readParquetIndexed yields them): each purchase updates its day, week, month, product,
 * country and client sums as it arrives and is kept as a compact typed row; finish() counts
 * distinct clients and orders the periods, once for every table (state.ts).
 */
import { civilFromDays, isoFromDayNumber, mondayOf } from "../../../core/dates.ts";
import { Clients } from "./clients.ts";
import { distinctCounts } from "../../../columnar/distinct-counts.ts";
import { Groups, Measures, Vocabulary } from "./groups.ts";
import { PurchaseColumns } from "./purchases.ts";
import { sharedTableData } from "./shared-data.ts";
import type { GoldState } from "./gold-state.ts";
import type { Column, Indexed, Utf8Values } from "../../../columnar/columns.ts";
import { KeyNumbers } from "../../../columnar/key-numbers.ts";
import { EltError } from "../../../core/errors.ts";

/** Silver's text and date columns, as readParquetIndexed returns them. */
type Texts = Indexed & { readonly values: Utf8Values };
type Days = Indexed & { readonly values: Int32Array };

export class GoldAccumulator {
  readonly #clients: Clients;
  /** Day groups, with their day number; each knows its week (by Monday) and month group. */
  readonly #dayKeys: number[] = [];
  readonly #days = new Measures();
  readonly #dayWeek: number[] = [];
  readonly #dayMonth: number[] = [];
  /** Day group of each day number met. */
  readonly #dayNumbers = new KeyNumbers();
  readonly #weeks = new Groups<number>();
  /** Month groups keyed by year × 12 + month − 1, which sorts like `YYYY-MM`. */
  readonly #months = new Groups<number>();
  readonly #products = new Vocabulary();
  readonly #facts: PurchaseColumns;
  /** Whether every client's purchases so far came in one run. */
  #grouped = true;
  #lastClient = -1;
  #total = 0;
  #min = Infinity;
  #max = -Infinity;

  /** The expected counts size the columns up front (silver's row counts, say). */
  constructor(expected: { purchases?: number; clients?: number } = {}) {
    this.#clients = new Clients(expected.clients);
    this.#facts = new PurchaseColumns(expected.purchases ?? 0);
  }

  /**
   * Kept clients in columns, in CLIENT_COLUMNS order as readParquetIndexed returns silver's;
   * all of them come before the first purchase. Makes neither an object nor a string per client.
   */
  addClientColumns(values: readonly Column[], rowCount: number): void {
    const [ids, noms, emails, dates, pays] = values as readonly [Float64Array, Texts, Texts, Days, Texts];
    const clients = this.#clients;
    const nameOf = clients.names.groupsOf(noms.values);
    const countryOf = clients.countries.groupsOf(pays.values);
    const { bytes, starts } = emails.values;
    for (let i = 0; i < rowCount; i++) {
      if (noms.index[i]! < 0 || emails.index[i]! < 0 || dates.index[i]! < 0) throw missing("clients", "nom, email or date_inscription");
      const country = pays.index[i]!;
      const kept = clients.keep(ids[i]!, nameOf[noms.index[i]!]!, dates.values[dates.index[i]!]!, country < 0 ? -1 : countryOf[country]!);
      const email = emails.index[i]!;
      if (kept) clients.email.pushBytes(bytes, starts[email]!, starts[email + 1]!);
    }
  }

  /** Purchases in columns, in ACHAT_COLUMNS order as readParquetIndexed returns silver's: makes nothing per row. */
  addPurchaseColumns(values: readonly Column[], rowCount: number): void {
    const [ids, clients, dates, montants, products] = values as readonly [Float64Array, Float64Array, Days, Float64Array, Texts];
    const productOf = this.#products.groupsOf(products.values);
    const days = dates.values;
    for (let i = 0; i < rowCount; i++) {
      if (dates.index[i]! < 0 || products.index[i]! < 0) throw missing("achats", "date_achat or produit");
      const day = days[dates.index[i]!]!;
      this.#push(ids[i]!, clients[i]!, this.#dayGroup(day), montants[i]!, productOf[products.index[i]!]!);
    }
  }

  #push(idAchat: number, idClient: number, d: number, montant: number, p: number): void {
    const clients = this.#clients;
    const c = clients.numberOf(idClient);
    if (c !== this.#lastClient) {
      if (clients.measures.count[c]! > 0) this.#grouped = false;
      this.#lastClient = c;
    }
    clients.measures.add(c, montant);
    this.#days.add(d, montant);
    this.#weeks.measures.add(this.#dayWeek[d]!, montant);
    this.#months.measures.add(this.#dayMonth[d]!, montant);
    this.#products.measures.add(p, montant);
    const country = c < clients.kept ? clients.country[c]! : -1;
    if (country >= 0) clients.countries.measures.add(country, montant);
    this.#total += montant;
    if (montant < this.#min) this.#min = montant;
    if (montant > this.#max) this.#max = montant;
    this.#facts.push(idAchat, c, d, montant, p);
  }

  /** The day group of a day number, opened on first sight. */
  #dayGroup(day: number): number {
    const d = this.#dayNumbers.get(day);
    return d >= 0 ? d : this.#openDay(day);
  }

  #openDay(day: number): number {
    const d = this.#days.open();
    this.#dayNumbers.set(day, d);
    this.#dayKeys.push(day);
    const { year, month } = civilFromDays(day);
    this.#dayWeek.push(this.#weeks.of(mondayOf(day)));
    this.#dayMonth.push(this.#months.of(year * 12 + month - 1));
    return d;
  }

  /** The state the tables are built from (tables/): add nothing afterwards, they read its columns. */
  finish(): GoldState {
    const facts = this.#facts;
    const n = facts.length;
    const clients = this.#clients;
    const [dayClients, weekClients, monthClients, productClients] = distinctCounts(
      facts.client,
      n,
      clients.count,
      [
        { rowKeys: facts.day, groups: this.#dayKeys.length },
        { rowKeys: facts.day, groupOfKey: this.#dayWeek, groups: this.#weeks.keys.length },
        { rowKeys: facts.day, groupOfKey: this.#dayMonth, groups: this.#months.keys.length },
        { rowKeys: facts.product, groups: this.#products.keys.length },
      ],
      this.#grouped,
    ) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    const countryClients = new Uint32Array(clients.countries.keys.length);
    for (let c = 0; c < clients.kept; c++) {
      const country = clients.country[c]!;
      if (country >= 0 && clients.measures.count[c]! > 0) countryClients[country]!++;
    }
    const dayKeys = this.#dayKeys;
    const weeks = this.#weeks;
    const months = this.#months;
    const products = this.#products;
    return {
      purchases: facts,
      clients,
      days: { keys: dayKeys, measures: this.#days, clients: dayClients, ascending: ascending(dayKeys), iso: dayKeys.map(isoFromDayNumber) },
      weeks: { keys: weeks.keys, measures: weeks.measures, clients: weekClients, ascending: ascending(weeks.keys) },
      months: { keys: months.keys, measures: months.measures, clients: monthClients, ascending: ascending(months.keys) },
      products: { keys: products.keys, measures: products.measures, clients: productClients, utf8: products.utf8 },
      countries: { keys: clients.countries.keys, measures: clients.countries.measures, clients: countryClients },
      total: this.#total,
      min: this.#min,
      max: this.#max,
      shared: sharedTableData(facts, clients, Int32Array.from(dayKeys), products.utf8),
    };
  }
}

/** Silver writes these columns REQUIRED: a null there is a file that silver did not write. */
function missing(dataset: string, columns: string): EltError {
  return new EltError(`silver/${dataset}.parquet: a row without ${columns}; run \`elt run silver --force\``);
}

/** Group numbers ordered by their numeric key. */
function ascending(keys: readonly number[]): number[] {
  return keys.map((_, g) => g).sort((a, b) => keys[a]! - keys[b]!);
}
