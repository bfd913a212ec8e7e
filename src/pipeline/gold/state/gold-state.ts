import type { Utf8Values } from "../../../columnar/columns.ts";
import type { Clients } from "./clients.ts";
import type { Measures } from "./groups.ts";
import type { PurchaseColumns } from "./purchases.ts";
import type { SharedTableData } from "./shared-data.ts";

/** The groups of one dimension, by dense group number: key, running sums, distinct clients. */
export interface GroupTotals<K> {
  readonly keys: readonly K[];
  readonly measures: Measures;
  /** nb_clients of each group: distinct id_client in fact, orphans included. */
  readonly clients: Uint32Array;
}

/** Calendar groups (days, weeks, months), keyed by a number that sorts like the period. */
export interface PeriodTotals extends GroupTotals<number> {
  /** Group numbers in ascending key order: SPEC's row order for every calendar table. */
  readonly ascending: readonly number[];
}

/**
 * Everything the gold tables are built from: silver's clients and purchases as accumulate.ts
 * gathered them, with the figures several tables share (distinct clients, period order) worked
 * out once. Nothing is added to it afterwards: fact_achats and dim_clients read its columns.
 *
 * Sums are plain IEEE additions in arrival (file) order, for the grand total and within every
 * group alike; so the sum of agg_jour.ca_total adds the same numbers in another grouping and
 * may differ from kpis.ca_total in the last bits.
 */
export interface GoldState {
  readonly purchases: PurchaseColumns;
  readonly clients: Clients;
  /** Keyed by day number; `iso` is each day group's `YYYY-MM-DD`. */
  readonly days: PeriodTotals & { readonly iso: readonly string[] };
  /** Keyed by the day number of their Monday. */
  readonly weeks: PeriodTotals;
  /** Keyed by year × 12 + month − 1, which sorts like `YYYY-MM`. */
  readonly months: PeriodTotals;
  /** Products in order of first sight, their names also as the UTF-8 the writers take. */
  readonly products: GroupTotals<string> & { readonly utf8: Utf8Values };
  /** The kept clients' countries; orphans have none. */
  readonly countries: GroupTotals<string>;
  /** Sum, min and max of every kept purchase's montant. */
  readonly total: number;
  readonly min: number;
  readonly max: number;
  /** The purchases and clients as the row-per-purchase and row-per-client tables read them. */
  readonly shared: SharedTableData;
}
