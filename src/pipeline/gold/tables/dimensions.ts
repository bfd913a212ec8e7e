/**
 * The dimension tables: dim_clients (a row per kept client, from the shared data like
 * fact_achats), dim_produits and dim_dates (a row per product sold, per purchase day).
 */
import { civilFromDays, isoWeek, quarter, weekdayIndex, WEEKDAY_NAMES } from "../../../core/dates.ts";
import { SliceScratch } from "../../../columnar/slice-scratch.ts";
import { GOLD_TABLES } from "../../../contract/gold-tables.ts";
import type { Cell } from "../../../contract/columns.ts";
import { compareCodePoints } from "../../../core/text-order.ts";
import { columnTable, type GoldTable } from "./built-table.ts";
import type { SharedTableData } from "../state/shared-data.ts";
import type { GoldState } from "../state/gold-state.ts";

export const dimClients = (state: GoldState): GoldTable => dimClientsTable(state.shared);

/** dim_clients: every kept client, in id_client order; like fact_achats, built from the shared data alone. */
export function dimClientsTable(data: SharedTableData): GoldTable {
  const { clients } = data;
  const { order, ids, name: names, inscription: inscriptions, country: countries, inscriptionDays } = clients;
  // SPEC: when no purchase is kept, no table but kpis has rows, not even the clients.
  const kept = data.facts.length === 0 ? 0 : clients.kept;
  const scratch = new SliceScratch();
  return {
    name: "dim_clients",
    columns: GOLD_TABLES.dim_clients.columns,
    rowCount: kept,
    shared: data,
    slice(start, end) {
      const n = Math.max(0, Math.min(end, kept) - start);
      const [id] = scratch.numbers(n, 1);
      const [client, name, inscription, country] = scratch.indices(n, 4);
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

/** Products in code-point order of their names, numbered from 1. */
export function dimProduits(state: GoldState): GoldTable {
  const products = state.products.keys;
  const byName = products.map((_, p) => p).sort((a, b) => compareCodePoints(products[a]!, products[b]!));
  return columnTable("dim_produits", [byName.map((_, i) => i + 1), byName.map((p) => products[p]!)]);
}

/** Purchase days in date order, numbered from 1, with their calendar parts. */
export function dimDates(state: GoldState): GoldTable {
  const { keys, ascending, iso } = state.days;
  const columns: Cell[][] = [[], [], [], [], [], [], [], []];
  ascending.forEach((g, i) => {
    const day = keys[g]!;
    const { year, month, day: dayOfMonth } = civilFromDays(day);
    const weekday = WEEKDAY_NAMES[weekdayIndex(day)]!;
    const row = [i + 1, iso[g]!, dayOfMonth, month, year, weekday, isoWeek(day).week, quarter(month)];
    row.forEach((v, c) => columns[c]!.push(v));
  });
  return columnTable("dim_dates", columns);
}
