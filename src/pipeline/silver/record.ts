import type { CsvBatch } from "../../formats/csv-reader.ts";
import { lowerEmail, parseAmount, parseDate, parseId, trimFields } from "./byte-parsers.ts";

/** Each column's position in a dataset's records, by name; computed once per dataset. */
export type FieldIndex<Columns extends readonly string[]> = { readonly [K in Columns[number]]: number };

export function fieldIndex<Columns extends readonly string[]>(columns: Columns): FieldIndex<Columns> {
  return Object.fromEntries(columns.map((name, k) => [name, k])) as FieldIndex<Columns>;
}

/** The null mask (see TrimmedRecord.anyNull) of these fields. */
export function fieldMask<Columns extends readonly string[]>(index: FieldIndex<Columns>, names: readonly Columns[number][]): number {
  return names.reduce((mask, name) => mask | (1 << index[name]), 0);
}

/**
 * What id and day answer for an invalid spelling: no id is 0 and no accepted date is that
 * far back. Integers, not NaN, so that the JIT keeps ids and day numbers as integers.
 */
export const NO_ID = 0;
export const NO_DAY = -1_000_000;

/**
 * One CSV record as SPEC's rules see it: how many fields it has and each field trimmed, as a
 * byte range of the batch (no string). One object is refilled for every record of a pass;
 * the field readers answer NO_ID, NaN or NO_DAY for a spelling SPEC does not accept.
 */
export class TrimmedRecord {
  batch!: CsvBatch;
  bytes!: Uint8Array;
  fieldCount = 0;
  private nulls = 0;
  private readonly ranges: Int32Array;

  constructor(columns: number) {
    this.ranges = new Int32Array(2 * columns);
  }

  /** SPEC trims every field before any rule. */
  read(batch: CsvBatch, r: number): void {
    this.batch = batch;
    this.bytes = batch.bytes;
    this.fieldCount = batch.size(r);
    this.nulls = trimFields(batch, r, this.ranges);
  }

  start(k: number): number {
    return this.ranges[2 * k]!;
  }

  end(k: number): number {
    return this.ranges[2 * k + 1]!;
  }

  isNull(k: number): boolean {
    return (this.nulls & (1 << k)) !== 0;
  }

  /** Whether any field of the mask (see fieldMask) is null. */
  anyNull(mask: number): boolean {
    return (this.nulls & mask) !== 0;
  }

  // The readers index the ranges themselves rather than call start and end: fewer calls for
  // the JIT to see through on every row, which measurably shortened silver's purchases.
  id(k: number): number {
    return parseId(this.bytes, this.ranges[2 * k]!, this.ranges[2 * k + 1]!) ?? NO_ID;
  }

  /** NaN when invalid. */
  amount(k: number): number {
    return parseAmount(this.bytes, this.ranges[2 * k]!, this.ranges[2 * k + 1]!) ?? NaN;
  }

  /** A day number. */
  day(k: number): number {
    return parseDate(this.bytes, this.ranges[2 * k]!, this.ranges[2 * k + 1]!) ?? NO_DAY;
  }

  /** See lowerEmail: INVALID, null when the field is already lower-case, else the lower-cased text. */
  lowerEmail(k: number): string | null {
    return lowerEmail(this.batch, this.ranges[2 * k]!, this.ranges[2 * k + 1]!);
  }
}
