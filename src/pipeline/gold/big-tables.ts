/**
 * The two tables with a row per purchase or per client. Nothing is materialised up front:
 * each slice gathers its rows' ids and amounts into typed arrays, and points at the values
 * held once (a client's id, name or email, a product, a day) through indices, which the
 * writers copy from directly, and which let Parquet's dictionaries be built without hashing.
 * The arrays are reused from one slice to the next (fresh memory costs a page fault per 4 KiB).
 */
import type { Clients } from "./clients.ts";
import { Utf8Values } from "../../columnar/columns.ts";
import type { GoldTable } from "./gold-table.ts";
import { idOrder } from "../../columnar/id-order.ts";
import type { Narrow, PurchaseColumns } from "./purchases.ts";
import { GOLD_TABLES } from "../../contract/gold-tables.ts";

/**
 * What the two tables are read from: typed arrays in shared memory (columns.ts) and a few
 * small values, so a worker can be handed them (csv-worker.ts) without a copy.
 */
export interface BigTableData {
  readonly facts: {
    readonly length: number;
    readonly idAchat: Narrow;
    readonly client: Uint32Array;
    readonly day: Narrow;
    readonly montant: Float64Array;
    readonly product: Narrow;
    /** Rows in id_achat order, null when they already are. */
    readonly order: Uint32Array | null;
  };
  readonly clients: {
    /** Client numbers below `kept` are silver's clients; the others, orphans. */
    readonly kept: number;
    readonly ids: Float64Array;
    readonly name: Int32Array;
    readonly email: Utf8Values;
    readonly inscription: Int32Array;
    readonly country: Int32Array;
    /** Kept clients in id_client order, null when they already are. */
    readonly order: Uint32Array | null;
    /** The day number of each `inscription` value. */
    readonly inscriptionDays: Int32Array;
    readonly names: Utf8Values;
    readonly countries: Utf8Values;
  };
  /** The day number of each day group. */
  readonly days: Int32Array;
  /** The name of each product group. */
  readonly products: Utf8Values;
}

export function bigTableData(facts: PurchaseColumns, clients: Clients, days: Int32Array, products: Utf8Values): BigTableData {
  const { length, idAchat, client, day, montant, product } = facts;
  const { kept, ids, name, email, inscription, country } = clients;
  return {
    facts: { length, idAchat, client, day, montant, product, order: idOrder(idAchat, length) },
    clients: {
      kept,
      ids,
      name,
      email,
      inscription,
      country,
      order: idOrder(ids, kept),
      inscriptionDays: Int32Array.from(clients.inscriptionDays),
      names: clients.names.utf8,
      countries: clients.countries.utf8,
    },
    days,
    products,
  };
}

/** The data as a worker received it: a structured clone keeps Utf8Values' fields, not their class. */
export function receivedTableData(data: BigTableData): BigTableData {
  const { clients } = data;
  return {
    ...data,
    clients: {
      ...clients,
      email: Utf8Values.from(clients.email),
      names: Utf8Values.from(clients.names),
      countries: Utf8Values.from(clients.countries),
    },
    products: Utf8Values.from(data.products),
  };
}

/** fact_achats in id_achat order. */
export function factTable(data: BigTableData): GoldTable {
  const { facts, clients, days, products } = data;
  const { length: rowCount, order, idAchat: idAchats, client: rowClient, day: rowDay, montant: montants, product: rowProduct } = facts;
  const { kept, ids, name: names, inscription: inscriptions, country: countries, inscriptionDays } = clients;
  const scratch = new Scratch();
  return {
    name: "fact_achats",
    columns: GOLD_TABLES.fact_achats.columns,
    rowCount,
    shared: data,
    slice(start, end) {
      const n = Math.max(0, Math.min(end, rowCount) - start);
      const [idAchat, montant] = scratch.numbers(n, 2) as Two<Float64Array>;
      const [client, day, product, keptClient, name, inscription, country] = scratch.indices(n, 7) as Seven<Int32Array>;
      for (let i = 0; i < n; i++) {
        const r = order ? order[start + i]! : start + i;
        const c = rowClient[r]!;
        const isKept = c < kept; // an orphan's client columns are null
        idAchat[i] = idAchats[r]!;
        montant[i] = montants[r]!;
        client[i] = c;
        day[i] = rowDay[r]!;
        product[i] = rowProduct[r]!;
        keptClient[i] = isKept ? c : -1;
        name[i] = isKept ? names[c]! : -1;
        inscription[i] = isKept ? inscriptions[c]! : -1;
        country[i] = isKept ? countries[c]! : -1;
      }
      return [
        idAchat,
        { values: ids, index: client },
        { values: days, index: day },
        montant,
        { values: products, index: product },
        { values: clients.names, index: name },
        { values: clients.email, index: keptClient },
        { values: inscriptionDays, index: inscription },
        { values: clients.countries, index: country },
      ];
    },
  };
}

/** dim_clients: every kept client, in id_client order. */
export function dimClientsTable(data: BigTableData): GoldTable {
  const { clients } = data;
  const { kept, order, ids, name: names, inscription: inscriptions, country: countries, inscriptionDays } = clients;
  const scratch = new Scratch();
  return {
    name: "dim_clients",
    columns: GOLD_TABLES.dim_clients.columns,
    rowCount: kept,
    shared: data,
    slice(start, end) {
      const n = Math.max(0, Math.min(end, kept) - start);
      const [id] = scratch.numbers(n, 1) as [Float64Array];
      const [client, name, inscription, country] = scratch.indices(n, 4) as Four<Int32Array>;
      for (let i = 0; i < n; i++) {
        const c = order ? order[start + i]! : start + i;
        client[i] = c;
        id[i] = ids[c]!;
        name[i] = names[c]!;
        inscription[i] = inscriptions[c]!;
        country[i] = countries[c]!;
      }
      return [
        id,
        { values: clients.names, index: name },
        { values: clients.email, index: client },
        { values: inscriptionDays, index: inscription },
        { values: clients.countries, index: country },
      ];
    },
  };
}

/** The tables made from BigTableData, by name: how a worker rebuilds one. */
export const BIG_TABLES = { fact_achats: factTable, dim_clients: dimClientsTable } as const;
export type BigTableName = keyof typeof BIG_TABLES;

type Two<T> = [T, T];
type Four<T> = [T, T, T, T];
type Seven<T> = [T, T, T, T, T, T, T];

/** A table's slice arrays, kept for the next slice when it is no longer. */
class Scratch {
  #numbers: Float64Array[] = [];
  #indices: Int32Array[] = [];

  numbers(n: number, count: number): Float64Array[] {
    if (!this.#numbers[0] || this.#numbers[0].length < n) this.#numbers = Array.from({ length: count }, () => new Float64Array(n));
    return this.#numbers.map((a) => a.subarray(0, n));
  }

  indices(n: number, count: number): Int32Array[] {
    if (!this.#indices[0] || this.#indices[0].length < n) this.#indices = Array.from({ length: count }, () => new Int32Array(n));
    return this.#indices.map((a) => a.subarray(0, n));
  }
}
