/**
 * Parquet files of typed columns, written and read one row group at a time so neither side
 * ever holds a whole large table.
 *
 * Type mapping, one rule per ColumnType (what pandas, DuckDB or Spark users expect to find):
 * - int    → INT64: ids go up to 2^53−1, beyond INT32; counts and date parts follow the same
 *            rule so a column's type never depends on its values. Read back as numbers.
 * - double → DOUBLE
 * - string → BYTE_ARRAY annotated UTF8 / STRING
 * - date   → INT32 annotated DATE (days since 1970-01-01). Read back as `YYYY-MM-DD`.
 * Columns are OPTIONAL unless declared `nullable: false`, which makes them REQUIRED: no
 * definition levels to write, and hyparquet reads them back as typed arrays, several times
 * faster. The writer and its encodings are in parquet-writer.ts.
 */
import { parquetMetadataAsync, parquetScan, type AsyncBuffer, type SchemaElement } from "hyparquet";
import { EltError, InputError, StoreError } from "../errors.ts";
import type { Cell, ColumnDef, ColumnType, Row } from "../pipeline/gold/tables.ts";
import { isoFromDayNumber } from "../pipeline/dates.ts";
import type { Bucket, ObjectStore } from "../storage/object-store.ts";

export { ParquetStreamWriter } from "./parquet-writer.ts";

/** A column of a file: REQUIRED when `nullable` is false, OPTIONAL otherwise. */
export type ParquetColumn = ColumnDef & { readonly nullable?: boolean };

/** What a reader must find in the file for each ColumnType. */
const PHYSICAL: Record<ColumnType, Omit<SchemaElement, "name">> = {
  int: { type: "INT64" },
  double: { type: "DOUBLE" },
  string: { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } },
  date: { type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" } },
};

/** A whole file's bytes, or a ranged reader over one; `name` appears in error messages. */
export type ParquetSource = Uint8Array | (AsyncBuffer & { name?: string });

function asyncBufferOf(source: ParquetSource): AsyncBuffer {
  if (!(source instanceof Uint8Array)) return source;
  const { buffer, byteOffset, byteLength } = source;
  return {
    byteLength,
    slice: (start, end = byteLength) => buffer.slice(byteOffset + start, byteOffset + end) as ArrayBuffer,
  };
}

function nameOf(source: ParquetSource): string {
  return (!(source instanceof Uint8Array) && source.name) || "parquet file";
}

/** A group of rows: one array per requested column, cells typed per ColumnDef. */
export interface ColumnBatch {
  rowCount: number;
  values: ArrayLike<Cell>[];
}

/**
 * Reads the given columns one row group at a time. The file must hold every column with the
 * physical type this module writes for it; anything else is an InputError naming the column.
 */
export async function* readParquetColumns(
  source: ParquetSource,
  columns: readonly ColumnDef[],
): AsyncIterable<ColumnBatch> {
  const file = asyncBufferOf(source);
  const name = nameOf(source);
  const scan = await parquetScan({
    file,
    metadata: await checkedMetadata(file, name, columns),
    columns: columns.map((c) => c.name),
    parsers: { dateFromDays: (days: number) => days },
  }).catch(rethrowAs(name));
  const dates = new Map<number, string>();
  for (const range of scan.ranges) {
    const values: ArrayLike<Cell>[] = [];
    for (const c of columns) {
      const raw = await scan.readColumn({ column: c.name, ...range }).catch(rethrowAs(name));
      values.push(cellsOf(c.type, raw as ArrayLike<unknown>, dates));
    }
    yield { rowCount: range.rowEnd - range.rowStart, values };
  }
}

/** Rows as objects keyed by column name, in batches of at most `batchSize`, in file order. */
export async function* readParquetRows(
  source: ParquetSource,
  columns: readonly ColumnDef[],
  batchSize = 5000,
): AsyncIterable<Row[]> {
  for await (const { rowCount, values } of readParquetColumns(source, columns)) {
    for (let start = 0; start < rowCount; start += batchSize) {
      const end = Math.min(start + batchSize, rowCount);
      const rows: Row[] = [];
      for (let r = start; r < end; r++) {
        const row: Row = {};
        for (let c = 0; c < columns.length; c++) row[columns[c]!.name] = values[c]![r] ?? null;
        rows.push(row);
      }
      yield rows;
    }
  }
}

async function checkedMetadata(file: AsyncBuffer, name: string, columns: readonly ColumnDef[]) {
  const metadata = await parquetMetadataAsync(file).catch(rethrowAs(name));
  for (const c of columns) {
    const element = metadata.schema.find((e, i) => i > 0 && e.name === c.name);
    if (!element) throw new InputError(`${name}: no column "${c.name}"`, name, undefined, c.name);
    const expected = PHYSICAL[c.type];
    if (element.type !== expected.type || (c.type === "date") !== (element.converted_type === "DATE")) {
      const found = element.converted_type ?? element.type;
      throw new InputError(
        `${name}: column "${c.name}" is ${found}, expected ${expected.converted_type ?? expected.type}`,
        name,
        undefined,
        c.name,
      );
    }
  }
  return metadata;
}

function rethrowAs(name: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof EltError) throw err;
    throw new InputError(`${name}: unreadable parquet (${err instanceof Error ? err.message : String(err)})`, name);
  };
}

/**
 * hyparquet's decoded values as Cells: INT64 to numbers, day numbers to ISO dates. Doubles and
 * strings already are Cells (null where missing) and pass through uncopied.
 */
function cellsOf(type: ColumnType, raw: ArrayLike<unknown>, dates: Map<number, string>): ArrayLike<Cell> {
  if (raw instanceof BigInt64Array) return numbersOf(raw);
  if (type === "double" || type === "string") return raw as ArrayLike<Cell>;
  const n = raw.length;
  const out = new Array<Cell>(n);
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    if (v === null || v === undefined) out[i] = null;
    else if (type === "int") out[i] = Number(v);
    else if (type === "date") out[i] = isoOf(v as number, dates);
    else out[i] = v as string | number;
  }
  return out;
}

/** A REQUIRED INT64 column as numbers, read as 32-bit halves so no bigint is made per value. */
function numbersOf(values: BigInt64Array): Float64Array {
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2); // little-endian halves
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = words[2 * i + 1]! * 2 ** 32 + (words[2 * i]! >>> 0);
  return out;
}

function isoOf(days: number, cache: Map<number, string>): string {
  let iso = cache.get(days);
  if (iso === undefined) cache.set(days, (iso = isoFromDayNumber(days)));
  return iso;
}

/** Below this size a file is fetched whole, once: one request beats a footer and a chunk each. */
const WHOLE_FILE_BYTES = 1 << 20;

/**
 * A ranged reader over a stored object, so a reader fetches the footer and the column chunks
 * it needs rather than the whole file. Nothing is fetched until the first read.
 */
export async function objectAsyncBuffer(
  store: ObjectStore,
  bucket: Bucket,
  key: string,
): Promise<AsyncBuffer & { name: string }> {
  const name = `${bucket}/${key}`;
  const info = await store.stat(bucket, key);
  if (!info) throw new StoreError("not_found", `${name}: no such object`);
  const byteLength = info.size;
  const fetch = async (start: number, end: number): Promise<ArrayBuffer> => {
    const out = new Uint8Array(Math.max(0, end - start));
    if (out.length === 0) return out.buffer;
    let at = 0;
    for await (const chunk of await store.get(bucket, key, { offset: start, length: out.length })) {
      const take = Math.min(chunk.byteLength, out.length - at);
      out.set(chunk.subarray(0, take), at);
      at += take;
      if (at === out.length) break;
    }
    if (at < out.length) throw new StoreError("failed", `${name}: object changed while being read`);
    return out.buffer;
  };
  let whole: Promise<ArrayBuffer> | undefined;
  return {
    name,
    byteLength,
    slice(start, end = byteLength) {
      if (byteLength > WHOLE_FILE_BYTES) return fetch(start, end);
      whole ??= fetch(0, byteLength);
      return whole.then((bytes) => bytes.slice(start, end));
    },
  };
}
