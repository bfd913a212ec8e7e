import { GOLD_TABLES, type GoldTableName } from "../../contract/gold-tables.ts";
import type { ColumnType } from "../../contract/columns.ts";
import { ident } from "./sqlite-insert.ts";

/**
 * How a gold table is laid out in SQLite. Its rowid is the gold row order: an integer primary
 * key `_row` (never returned), or for fact_achats its id_achat, unique and ascending in gold
 * order, so that sorting or filtering on it needs no index of its own (an index on a million
 * rows takes a good part of a second to build at every export).
 */

const SQL_TYPES: Record<ColumnType, string> = { int: "INTEGER", double: "REAL", string: "TEXT", date: "TEXT" };
/** Tables whose rowid is one of their columns (SPEC: one fact row per id_achat, by id_achat). */
export const ROW_KEYS: Partial<Record<GoldTableName, string>> = { fact_achats: "id_achat" };
/** The column that holds a table's gold row order. */
export const rowOrder = (table: GoldTableName) => ident(ROW_KEYS[table] ?? "_row");

export function tableDefinition(table: GoldTableName): string {
  const key = ROW_KEYS[table];
  const defs = GOLD_TABLES[table].columns.map(
    (c) => `${ident(c.name)} ${c.name === key ? "INTEGER PRIMARY KEY" : SQL_TYPES[c.type]}`,
  );
  return (key ? defs : ["_row INTEGER PRIMARY KEY", ...defs]).join(", ");
}
