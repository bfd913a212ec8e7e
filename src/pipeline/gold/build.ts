/**
 * SPEC's ten gold tables from the silver clients and a stream of silver purchases. Each
 * purchase updates its day, week, month, product, country and client sums as it arrives and
 * is kept as a compact typed row; finish() counts distinct clients, orders the groups and
 * shapes the tables.
 *
 * Sums are plain IEEE additions in arrival (file) order, for the grand total and within every
 * group alike; so the sum of agg_jour.ca_total adds the same numbers in another grouping and
 * may differ from kpis.ca_total in the last bits. montant_moyen_par_client adds the clients'
 * totals in id_client order; montant_std is two-pass, around ca_total / n.
 */
import {
  civilFromDays,
  dayNumber,
  isoFromDayNumber,
  isoWeek,
  isoWeekLabel,
  mondayOf,
  quarter,
  weekdayIndex,
  WEEKDAY_NAMES,
} from "../dates.ts";
import type { Achat, Client } from "../../contract/sources.ts";
import { bigTableData, dimClientsTable, factTable } from "./big-tables.ts";
import { Clients } from "./clients.ts";
import { distinctCounts } from "../../columnar/distinct-counts.ts";
import { columnTable, type GoldTable, type GoldTables } from "./gold-table.ts";
import { Groups, Measures, Vocabulary } from "./groups.ts";
import { idOrder } from "../../columnar/id-order.ts";
import { PurchaseColumns } from "./purchases.ts";
import { median, sampleStd } from "../../stats/order-statistics.ts";
import { GOLD_TABLES, GOLD_TABLE_NAMES, type GoldTableName } from "../../contract/gold-tables.ts";
import type { Cell } from "../../contract/columns.ts";
import type { Column, Indexed, Utf8Values } from "../../columnar/columns.ts";
import { KeyNumbers } from "../../columnar/key-numbers.ts";
import { compareCodePoints } from "../../text-order.ts";
import { EltError } from "../../errors.ts";

/** Silver's text and date columns, as readParquetIndexed returns them. */
type Texts = Indexed & { readonly values: Utf8Values };
type Days = Indexed & { readonly values: Int32Array };

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

export class GoldBuilder {
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
  constructor(clients: Iterable<Client> = [], expected: { purchases?: number; clients?: number } = {}) {
    this.#clients = new Clients(expected.clients);
    this.#facts = new PurchaseColumns(expected.purchases ?? 0);
    for (const c of clients) this.addClient(c);
  }

  /** A kept client; all of them come before the first purchase. */
  addClient(c: Client): void {
    const clients = this.#clients;
    const country = c.pays === null ? -1 : clients.countries.of(c.pays);
    if (clients.keep(c.id_client, clients.names.of(c.nom), dayNumber(c.date_inscription), country)) clients.email.pushString(c.email);
  }

  /**
   * Kept clients in columns, in CLIENT_COLUMNS order as readParquetIndexed returns silver's:
   * the fast path, that makes neither an object nor a string per client.
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

  add(a: Achat): void {
    this.#push(a.id_achat, a.id_client, this.#dayGroup(dayNumber(a.date_achat)), a.montant, this.#products.of(a.produit));
  }

  /** Purchases in columns, in ACHAT_COLUMNS order as readParquetIndexed returns silver's: the fast path, that makes nothing per row. */
  addColumns(values: readonly Column[], rowCount: number): void {
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

  /** The ten tables. Add nothing afterwards: fact_achats and dim_clients read the builder's columns. */
  finish(): GoldTables {
    const n = this.#facts.length;
    if (n === 0) return emptyTables();
    const facts = this.#facts;
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

    const dayIso = this.#dayKeys.map(isoFromDayNumber);
    const days = ascending(this.#dayKeys);
    const weeks = ascending(this.#weeks.keys);
    const months = ascending(this.#months.keys);
    const products = this.#products.keys;
    const productsByName = products
      .map((_, p) => p)
      .sort((a, b) => compareCodePoints(products[a]!, products[b]!));
    const big = bigTableData(facts, clients, Int32Array.from(this.#dayKeys), this.#products.utf8);

    return {
      fact_achats: factTable(big),
      kpis: this.#kpis(months),
      dim_clients: dimClientsTable(big),
      dim_produits: columnTable("dim_produits", [
        productsByName.map((_, i) => i + 1),
        productsByName.map((p) => products[p]!),
      ]),
      dim_dates: dimDates(this.#dayKeys, days, dayIso),
      agg_jour: columnTable("agg_jour", [days.map((d) => dayIso[d]!), ...measures(this.#days, dayClients, days)]),
      agg_semaine: columnTable("agg_semaine", [
        weeks.map((w) => isoWeekLabel(this.#weeks.keys[w]!)),
        weeks.map((w) => isoFromDayNumber(this.#weeks.keys[w]!)),
        ...measures(this.#weeks.measures, weekClients, weeks),
      ]),
      agg_mois: columnTable("agg_mois", [
        months.map((m) => monthLabel(this.#months.keys[m]!)),
        ...measures(this.#months.measures, monthClients, months),
      ]),
      ca_par_pays: this.#ranking("ca_par_pays", clients.countries, countryClients, false),
      ca_par_produit: this.#ranking("ca_par_produit", this.#products, productClients, true),
    };
  }

  /** Groups by ca_total descending, ties by name in code-point order; only groups with sales. */
  #ranking(name: "ca_par_pays" | "ca_par_produit", groups: Vocabulary, clients: Uint32Array, withShare: boolean): GoldTable {
    const { ca, count } = groups.measures;
    const order = groups.keys
      .map((_, g) => g)
      .filter((g) => count[g]! > 0)
      .sort((a, b) => ca[b]! - ca[a]! || compareCodePoints(groups.keys[a]!, groups.keys[b]!));
    const columns: Cell[][] = [order.map((g) => groups.keys[g]!), ...measures(groups.measures, clients, order)];
    if (withShare) columns.push(order.map((g) => percentOf(ca[g]!, this.#total)));
    return columnTable(name, columns);
  }

  #kpis(months: number[]): GoldTable {
    const n = this.#facts.length;
    const montants = this.#facts.montant.subarray(0, n);
    const { ids, count } = this.#clients;
    const { ca: clientCa, count: clientPurchases } = this.#clients.measures;
    // The mean of each spending client's total, adding the totals in id_client order.
    const byId = idOrder(ids, count);
    let spenders = 0;
    let clientTotals = 0;
    for (let i = 0; i < count; i++) {
      const c = byId ? byId[i]! : i;
      if (clientPurchases[c]! === 0) continue;
      spenders++;
      clientTotals += clientCa[c]!;
    }
    const last = months.at(-1)!;
    const before = months.at(-2);
    const ca = this.#months.measures.ca;
    const growth = before === undefined ? null : percentOf(ca[last]! - ca[before]!, ca[before]!);
    return columnTable("kpis", [
      [this.#total],
      [n],
      [ratio(this.#total, n)],
      [spenders],
      [ratio(clientTotals, spenders)],
      [growth],
      [median(montants)],
      [sampleStd(montants, this.#total / n)],
      [this.#min],
      [this.#max],
    ]);
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

/** ca_total, panier_moyen, nb_achats, nb_clients of the groups, in the given order. */
function measures(groups: Measures, clients: Uint32Array, order: readonly number[]): Cell[][] {
  return [
    order.map((g) => groups.ca[g]!),
    order.map((g) => ratio(groups.ca[g]!, groups.count[g]!)),
    order.map((g) => groups.count[g]!),
    order.map((g) => clients[g]!),
  ];
}

function percentOf(part: number, whole: number): number | null {
  return whole === 0 ? null : (part / whole) * 100;
}

function dimDates(days: readonly number[], order: readonly number[], dayIso: readonly string[]): GoldTable {
  const columns: Cell[][] = [[], [], [], [], [], [], [], []];
  order.forEach((g, i) => {
    const day = days[g]!;
    const { year, month, day: dayOfMonth } = civilFromDays(day);
    const weekday = WEEKDAY_NAMES[weekdayIndex(day)]!;
    const row = [i + 1, dayIso[g]!, dayOfMonth, month, year, weekday, isoWeek(day).week, quarter(month)];
    row.forEach((v, c) => columns[c]!.push(v));
  });
  return columnTable("dim_dates", columns);
}

function monthLabel(key: number): string {
  const month = (key % 12) + 1;
  return `${String((key - month + 1) / 12).padStart(4, "0")}-${month < 10 ? "0" : ""}${month}`;
}

/** SPEC's empty case: kpis is one row of zero counts and null measures; no other table has rows. */
function emptyTables(): GoldTables {
  const tables = Object.fromEntries(
    GOLD_TABLE_NAMES.map((name) => [name, columnTable(name, GOLD_TABLES[name].columns.map(() => []))]),
  ) as Record<GoldTableName, GoldTable>;
  tables.kpis = columnTable("kpis", [[0], [0], [null], [0], [null], [null], [null], [null], [null], [null]]);
  return tables;
}
