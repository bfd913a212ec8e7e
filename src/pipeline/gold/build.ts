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
import type { Achat, Client } from "../silver/types.ts";
import { distinctClients } from "./distinct-clients.ts";
import { columnTable, type GoldTable, type GoldTables } from "./gold-table.ts";
import { idOrder } from "./id-order.ts";
import { PurchaseColumns } from "./purchases.ts";
import { medianInPlace, sampleStd } from "./stats.ts";
import { GOLD_TABLES, GOLD_TABLE_NAMES, type Cell, type GoldTableName } from "./tables.ts";
import { compareCodePoints } from "../../text-order.ts";

/** Running measures of the groups of one dimension, indexed by dense group number. */
class Groups<K> {
  readonly index = new Map<K, number>();
  readonly keys: K[] = [];
  readonly ca: number[] = [];
  readonly count: number[] = [];

  /** The group of a key, opened on first sight. */
  of(key: K): number {
    let g = this.index.get(key);
    if (g === undefined) {
      g = this.keys.length;
      this.index.set(key, g);
      this.keys.push(key);
      this.ca.push(0);
      this.count.push(0);
    }
    return g;
  }

  add(g: number, montant: number): void {
    this.ca[g]! += montant;
    this.count[g]!++;
  }
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

export class GoldBuilder {
  /** Dense client numbers: silver's clients first, in the order given, then orphans as met. */
  readonly #clients = new Groups<number>();
  readonly #kept: Client[] = [];
  /** Country group of each client number, -1 when pays is null or the client an orphan. */
  readonly #clientCountry: number[] = [];
  readonly #countries = new Groups<string>();
  /** Day groups keyed by day number; each knows its week (by Monday) and month group. */
  readonly #days = new Groups<number>();
  /** Day group of each date string met: a lookup of the (usually shared) string beats parsing it. */
  readonly #dateDay = new Map<string, number>();
  readonly #dayWeek: number[] = [];
  readonly #dayMonth: number[] = [];
  readonly #weeks = new Groups<number>();
  /** Month groups keyed by year × 12 + month − 1, which sorts like `YYYY-MM`. */
  readonly #months = new Groups<number>();
  readonly #products = new Groups<string>();
  readonly #facts: PurchaseColumns;
  #total = 0;
  #min = Infinity;
  #max = -Infinity;

  /** `expectedPurchases` sizes the purchase columns up front (silver's row count, say). */
  constructor(clients: Iterable<Client>, expectedPurchases = 0) {
    for (const client of clients) {
      if (this.#clients.of(client.id_client) < this.#kept.length) continue; // silver keeps the first
      this.#kept.push(client);
      this.#clientCountry.push(client.pays === null ? -1 : this.#countries.of(client.pays));
    }
    this.#facts = new PurchaseColumns(expectedPurchases);
  }

  add(a: Achat): void {
    this.#push(a.id_achat, a.id_client, a.date_achat, a.montant, a.produit);
  }

  /**
   * Silver purchases in columns, in ACHAT_COLUMNS order with silver's types (as the Parquet
   * reader returns them): the fast path that builds no object per row.
   */
  addColumns(values: readonly ArrayLike<Cell>[], rowCount: number): void {
    const [ids, clients, dates, montants, products] = values as readonly [
      ArrayLike<number>,
      ArrayLike<number>,
      ArrayLike<string>,
      ArrayLike<number>,
      ArrayLike<string>,
    ];
    for (let i = 0; i < rowCount; i++) {
      this.#push(ids[i]!, clients[i]!, dates[i]!, montants[i]!, products[i]!);
    }
  }

  #push(idAchat: number, idClient: number, date: string, montant: number, produit: string): void {
    const c = this.#clientOf(idClient);
    const d = this.#dateDay.get(date) ?? this.#dayOf(date);
    const p = this.#products.of(produit);
    this.#clients.add(c, montant);
    this.#days.add(d, montant);
    this.#weeks.add(this.#dayWeek[d]!, montant);
    this.#months.add(this.#dayMonth[d]!, montant);
    this.#products.add(p, montant);
    const country = this.#clientCountry[c]!;
    if (country >= 0) this.#countries.add(country, montant);
    this.#total += montant;
    if (montant < this.#min) this.#min = montant;
    if (montant > this.#max) this.#max = montant;
    this.#facts.push(idAchat, c, d, montant, p);
  }

  #clientOf(idClient: number): number {
    const c = this.#clients.of(idClient);
    if (c === this.#clientCountry.length) this.#clientCountry.push(-1);
    return c;
  }

  #dayOf(date: string): number {
    const day = dayNumber(date);
    const d = this.#days.of(day);
    this.#dateDay.set(date, d);
    if (d === this.#dayWeek.length) {
      const { year, month } = civilFromDays(day);
      this.#dayWeek.push(this.#weeks.of(mondayOf(day)));
      this.#dayMonth.push(this.#months.of(year * 12 + month - 1));
    }
    return d;
  }

  /** The ten tables. Add nothing afterwards: fact_achats reads the builder's columns. */
  finish(): GoldTables {
    const n = this.#facts.length;
    if (n === 0) return emptyTables();
    const facts = this.#facts;
    const [dayClients, weekClients, monthClients, productClients] = distinctClients(
      facts.client,
      n,
      this.#clients.keys.length,
      [
        { rowKeys: facts.day, groups: this.#days.keys.length },
        { rowKeys: facts.day, groupOfKey: this.#dayWeek, groups: this.#weeks.keys.length },
        { rowKeys: facts.day, groupOfKey: this.#dayMonth, groups: this.#months.keys.length },
        { rowKeys: facts.product, groups: this.#products.keys.length },
      ],
    ) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    const countryClients = new Uint32Array(this.#countries.keys.length);
    this.#clientCountry.forEach((country, c) => {
      if (country >= 0 && this.#clients.count[c]! > 0) countryClients[country]!++;
    });

    const dayIso = this.#days.keys.map(isoFromDayNumber);
    const days = ascending(this.#days.keys);
    const weeks = ascending(this.#weeks.keys);
    const months = ascending(this.#months.keys);
    const products = this.#products.keys;
    const productsByName = products
      .map((_, p) => p)
      .sort((a, b) => compareCodePoints(products[a]!, products[b]!));

    return {
      fact_achats: this.#factTable(dayIso),
      kpis: this.#kpis(months),
      dim_clients: this.#dimClients(),
      dim_produits: columnTable("dim_produits", [
        productsByName.map((_, i) => i + 1),
        productsByName.map((p) => products[p]!),
      ]),
      dim_dates: dimDates(this.#days.keys, days, dayIso),
      agg_jour: columnTable("agg_jour", [days.map((d) => dayIso[d]!), ...measures(this.#days, dayClients, days)]),
      agg_semaine: columnTable("agg_semaine", [
        weeks.map((w) => isoWeekLabel(this.#weeks.keys[w]!)),
        weeks.map((w) => isoFromDayNumber(this.#weeks.keys[w]!)),
        ...measures(this.#weeks, weekClients, weeks),
      ]),
      agg_mois: columnTable("agg_mois", [
        months.map((m) => monthLabel(this.#months.keys[m]!)),
        ...measures(this.#months, monthClients, months),
      ]),
      ca_par_pays: this.#ranking("ca_par_pays", this.#countries, countryClients, false),
      ca_par_produit: this.#ranking("ca_par_produit", this.#products, productClients, true),
    };
  }

  /** Groups by ca_total descending, ties by name in code-point order; only groups with sales. */
  #ranking(
    name: "ca_par_pays" | "ca_par_produit",
    groups: Groups<string>,
    clients: Uint32Array,
    withShare: boolean,
  ): GoldTable {
    const order = groups.keys
      .map((_, g) => g)
      .filter((g) => groups.count[g]! > 0)
      .sort((a, b) => groups.ca[b]! - groups.ca[a]! || compareCodePoints(groups.keys[a]!, groups.keys[b]!));
    const columns: Cell[][] = [order.map((g) => groups.keys[g]!), ...measures(groups, clients, order)];
    if (withShare) columns.push(order.map((g) => percentOf(groups.ca[g]!, this.#total)));
    return columnTable(name, columns);
  }

  #kpis(months: number[]): GoldTable {
    const n = this.#facts.length;
    const montants = this.#facts.montant.subarray(0, n);
    const spenders = this.#clients.keys.map((_, c) => c).filter((c) => this.#clients.count[c]! > 0);
    // The mean of each client's total, adding the totals in id_client order.
    const spenderIds = Float64Array.from(spenders, (c) => this.#clients.keys[c]!);
    const byId = idOrder(spenderIds, spenders.length);
    let clientTotals = 0;
    for (let i = 0; i < spenders.length; i++) clientTotals += this.#clients.ca[spenders[byId ? byId[i]! : i]!]!;
    const last = months.at(-1)!;
    const before = months.at(-2);
    const ca = this.#months.ca;
    const growth = before === undefined ? null : percentOf(ca[last]! - ca[before]!, ca[before]!);
    return columnTable("kpis", [
      [this.#total],
      [n],
      [ratio(this.#total, n)],
      [spenders.length],
      [ratio(clientTotals, spenders.length)],
      [growth],
      [medianInPlace(montants.slice())],
      [sampleStd(montants, this.#total / n)],
      [this.#min],
      [this.#max],
    ]);
  }

  #factTable(dayIso: readonly string[]): GoldTable {
    const facts = this.#facts;
    const rowCount = facts.length;
    const order = idOrder(facts.idAchat, rowCount);
    const clientIds = this.#clients.keys;
    const kept = this.#kept;
    const products = this.#products.keys;
    return {
      name: "fact_achats",
      columns: GOLD_TABLES.fact_achats.columns,
      rowCount,
      slice(start, end) {
        const to = Math.min(end, rowCount);
        const columns = GOLD_TABLES.fact_achats.columns.map(() => new Array<Cell>(Math.max(0, to - start)));
        const [idAchat, idClient, date, montant, produit, nom, email, inscription, pays] = columns as [
          Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[],
        ];
        for (let i = 0; i < to - start; i++) {
          const r = order ? order[start + i]! : start + i;
          const c = facts.client[r]!;
          const client = kept[c]; // undefined for an orphan
          idAchat[i] = facts.idAchat[r]!;
          idClient[i] = clientIds[c]!;
          date[i] = dayIso[facts.day[r]!]!;
          montant[i] = facts.montant[r]!;
          produit[i] = products[facts.product[r]!]!;
          nom[i] = client?.nom ?? null;
          email[i] = client?.email ?? null;
          inscription[i] = client?.date_inscription ?? null;
          pays[i] = client?.pays ?? null;
        }
        return columns;
      },
    };
  }

  #dimClients(): GoldTable {
    const kept = this.#kept;
    const order = idOrder(Float64Array.from(kept, (c) => c.id_client), kept.length);
    const sorted = order ? Array.from(order, (i) => kept[i]!) : kept;
    return columnTable("dim_clients", [
      sorted.map((c) => c.id_client),
      sorted.map((c) => c.nom),
      sorted.map((c) => c.email),
      sorted.map((c) => c.date_inscription),
      sorted.map((c) => c.pays),
    ]);
  }
}

/** Group numbers ordered by their numeric key. */
function ascending(keys: readonly number[]): number[] {
  return keys.map((_, g) => g).sort((a, b) => keys[a]! - keys[b]!);
}

/** ca_total, panier_moyen, nb_achats, nb_clients of the groups, in the given order. */
function measures<K>(groups: Groups<K>, clients: Uint32Array, order: readonly number[]): Cell[][] {
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
