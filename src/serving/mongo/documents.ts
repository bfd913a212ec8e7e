import { Double, Long, type Document } from "mongodb";
import type { Cell, ColumnDef, Row } from "../../contract/columns.ts";

/**
 * Gold cells as MongoDB stores them, and back, written once for the write and the read path:
 * SPEC wants dates as BSON dates and numbers as numbers. The driver alone would store a whole
 * amount (12.0) as an int32 and an id beyond 2^31 as a double, so doubles are made Double and
 * ints int32 or, when larger, int64 (the driver reads an int64 back as a number when it is safe).
 */

const INT32_MAX = 2 ** 31 - 1;

/**
 * A date `YYYY-MM-DD` as the BSON date of its midnight UTC. A table holds few distinct days
 * and a Date is only read when serialized, so each is made once and shared: parsing one for
 * every cell was a third of the time the documents took to build.
 */
const dates = new Map<string, Date>();
/** Days kept: a few thousand in any gold table; past this the map starts afresh. */
const DATES_KEPT = 100_000;
function dateOf(day: string): Date {
  let date = dates.get(day);
  if (date === undefined) {
    if (dates.size >= DATES_KEPT) dates.clear();
    date = new Date(`${day}T00:00:00.000Z`);
    dates.set(day, date);
  }
  return date;
}

/** One cell as stored (a filter value too, to compare like with like); a missing cell is null, not omitted. */
export function storedCell(column: ColumnDef, value: Cell | undefined): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case "date":
      return dateOf(String(value));
    case "double":
      return new Double(Number(value));
    case "int": {
      const n = Number(value);
      return Math.abs(n) <= INT32_MAX ? n : Long.fromNumber(n);
    }
    default:
      return value;
  }
}

/** A stored document as the API's row: exactly the gold columns in order, dates `YYYY-MM-DD`. */
export function rowOf(doc: Document, columns: readonly ColumnDef[]): Row {
  const row: Row = {};
  for (const c of columns) {
    const value: unknown = doc[c.name];
    row[c.name] = value instanceof Date ? value.toISOString().slice(0, 10) : ((value as Cell | undefined) ?? null);
  }
  return row;
}
