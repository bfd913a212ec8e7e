/** The calendar aggregates: sales per day, ISO week and month, in period order. */
import { isoFromDayNumber, isoWeekLabel } from "../../../core/dates.ts";
import { columnTable, type GoldTable } from "./built-table.ts";
import type { GoldState } from "../state/gold-state.ts";
import { measureColumns } from "./measure-columns.ts";

export function aggJour(state: GoldState): GoldTable {
  const { days } = state;
  return columnTable("agg_jour", [days.ascending.map((d) => days.iso[d]!), ...measureColumns(days, days.ascending)]);
}

export function aggSemaine(state: GoldState): GoldTable {
  const { weeks } = state;
  const { keys, ascending } = weeks;
  return columnTable("agg_semaine", [
    ascending.map((w) => isoWeekLabel(keys[w]!)),
    ascending.map((w) => isoFromDayNumber(keys[w]!)),
    ...measureColumns(weeks, ascending),
  ]);
}

export function aggMois(state: GoldState): GoldTable {
  const { months } = state;
  return columnTable("agg_mois", [months.ascending.map((m) => monthLabel(months.keys[m]!)), ...measureColumns(months, months.ascending)]);
}

/** `YYYY-MM` of a month key, year × 12 + month − 1. */
function monthLabel(key: number): string {
  const month = (key % 12) + 1;
  return `${String((key - month + 1) / 12).padStart(4, "0")}-${month < 10 ? "0" : ""}${month}`;
}
