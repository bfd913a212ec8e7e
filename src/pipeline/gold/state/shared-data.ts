/**
 * What the two tables with a row per purchase or per client (fact_achats, dim_clients) are
 * read from: typed arrays in shared memory (columnar/columns.ts) and a few small values, so a
 * worker can be handed them (csv-worker.ts) without a copy.
 */
import type { Clients } from "./clients.ts";
import { Utf8Values } from "../../../columnar/columns.ts";
import { idOrder } from "../../../columnar/id-order.ts";
import type { Narrow, PurchaseColumns } from "./purchases.ts";

export interface SharedTableData {
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

export function sharedTableData(facts: PurchaseColumns, clients: Clients, days: Int32Array, products: Utf8Values): SharedTableData {
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
export function receivedTableData(data: SharedTableData): SharedTableData {
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
