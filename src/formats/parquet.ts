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
 * definition levels to write, and they read back as typed arrays. The writer and its encodings
 * are in parquet-writer.ts, the reader's fast path for such files in parquet-flat.ts.
 */
import { parquetMetadataAsync, parquetScan, type AsyncBuffer, type FileMetaData, type SchemaElement } from "hyparquet";
import { EltError, InputError, StoreError } from "../core/errors.ts";
import type { Cell, ColumnBatch, ColumnDef, ColumnType, Row } from "../contract/columns.ts";
import { indexedOf, isIndexed, type Column } from "../columnar/columns.ts";
import {
  GroupBuffer,
  IndexedChunk,
  NumberChunk,
  decodeChunk,
  decodeChunkIndexed,
  decodeChunkNumbers,
  fetchChunks,
  isFlatFile,
  isoOf,
  numbersOf,
  type ReadInto,
} from "./parquet-flat.ts";

export { ParquetStreamWriter } from "./parquet-writer.ts";

/** What a reader must find in the file for each ColumnType. */
const PHYSICAL: Record<ColumnType, Omit<SchemaElement, "name">> = {
  int: { type: "INT64" },
  double: { type: "DOUBLE" },
  string: { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } },
  date: { type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" } },
};

/** A whole file's bytes, or a ranged reader over one; `name` appears in error messages. */
export type ParquetSource = Uint8Array | (AsyncBuffer & { name?: string; readInto?: ReadInto });

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


/**
 * A group of rows where string and date columns are Indexed (columns.ts): each value once, as
 * UTF-8 bytes or a day number, and each row's entry; REQUIRED numbers are a Float64Array.
 * Valid until the next group is asked for.
 */
export interface IndexedBatch {
  rowCount: number;
  values: Column[];
}

/**
 * Reads the given columns one row group at a time. The file must hold every column with the
 * physical type this module writes for it; anything else is an InputError naming the column.
 * Flat files in the simple encodings (ours) take parquet-flat.ts's fast path, others hyparquet.
 */
export function readParquetColumns(source: ParquetSource, columns: readonly ColumnDef[]): AsyncIterable<ColumnBatch> {
  return readBatches(source, columns, false) as AsyncIterable<ColumnBatch>;
}

/**
 * As readParquetColumns, with string and date columns Indexed: for a reader that wants bytes
 * and day numbers (gold), no string is made for a value, and the memory is reused.
 */
export function readParquetIndexed(source: ParquetSource, columns: readonly ColumnDef[]): AsyncIterable<IndexedBatch> {
  return readBatches(source, columns, true);
}

async function* readBatches(source: ParquetSource, columns: readonly ColumnDef[], indexed: boolean): AsyncIterable<IndexedBatch> {
  const file = asyncBufferOf(source);
  const name = nameOf(source);
  const metadata = await checkedMetadata(file, name, columns);
  if (!isFlatFile(metadata)) {
    for await (const batch of scannedBatches(file, name, metadata, columns)) {
      yield indexed ? { rowCount: batch.rowCount, values: batch.values.map((cells, c) => indexedOf(columns[c]!.type, cells)) } : batch;
    }
    return;
  }
  // Two buffers, used in turn: the group being decoded and the next one, being read.
  const readInto = source instanceof Uint8Array ? undefined : source.readInto;
  const buffers = [new GroupBuffer(file, readInto), new GroupBuffer(file, readInto)] as const;
  yield* flatBatches(buffers, name, metadata, columns, indexed);
}

async function* flatBatches(
  buffers: readonly [GroupBuffer, GroupBuffer],
  name: string,
  metadata: FileMetaData,
  columns: readonly ColumnDef[],
  indexed: boolean,
): AsyncIterable<IndexedBatch> {
  // In a flat file the n-th column chunk of a row group is the n-th column after the root.
  const at = columns.map((c) => metadata.schema.findIndex((e, i) => i > 0 && e.name === c.name));
  const groups = metadata.row_groups.filter((g) => Number(g.num_rows) > 0);
  const chunksOf = (g: number) => at.map((i) => groups[g]!.columns[i - 1]?.meta_data);
  // One group ahead: its bytes arrive while this one is decoded and taken in by the caller.
  const fetchGroup = (g: number) => {
    const bytes = fetchChunks(buffers[g % 2]!, chunksOf(g));
    bytes.catch(() => {}); // awaited in its turn; not unhandled if the caller stops before
    return bytes;
  };
  const dates = new Map<number, string>();
  // Reading indexed, each column decodes into memory of its own, reused for every group.
  const into = columns.map(({ type }, k) => {
    if (!indexed) return undefined;
    if (type === "string" || type === "date") return new IndexedChunk(type);
    return metadata.schema[at[k]!]!.repetition_type === "REQUIRED" ? new NumberChunk(type) : undefined;
  });
  let next = groups.length > 0 ? fetchGroup(0) : undefined;
  for (let g = 0; g < groups.length; g++) {
    const bytes = await next!.catch(rethrowAs(name));
    next = g + 1 < groups.length ? fetchGroup(g + 1) : undefined;
    const rowCount = Number(groups[g]!.num_rows);
    const chunks = chunksOf(g);
    try {
      const values = columns.map((c, k): Column => {
        const element = metadata.schema[at[k]!]!;
        const chunk = into[k];
        const cells =
          chunk instanceof IndexedChunk
            ? decodeChunkIndexed(bytes[k]!, chunks[k]!, element, chunk)
            : chunk
              ? decodeChunkNumbers(bytes[k]!, chunks[k]!, element, chunk)
              : decodeChunk(bytes[k]!, chunks[k]!, element, c.type, dates);
        const length = isIndexed(cells) ? cells.index.length : cells.length;
        if (length !== rowCount) throw new Error(`column ${c.name}: ${length} values in a row group of ${rowCount} rows`);
        return cells;
      });
      yield { rowCount, values };
    } catch (err) {
      rethrowAs(name)(err);
    }
  }
}

async function* scannedBatches(file: AsyncBuffer, name: string, metadata: FileMetaData, columns: readonly ColumnDef[]) {
  const scan = await parquetScan({
    file,
    metadata,
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
  if (raw instanceof BigInt64Array) return numbersOf(new Int32Array(raw.buffer, raw.byteOffset, raw.length * 2));
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

/** Below this size a file is fetched whole, once: one request beats a footer and a chunk each. */
const WHOLE_FILE_BYTES = 1 << 20;

/** Random access to a file's bytes: what an object store's range reader offers. */
export interface RangeSource {
  readonly size: number;
  /** Fills `target` from `offset`; fewer bytes only at the end of the file. */
  read(offset: number, target: Uint8Array): Promise<number>;
}

/**
 * A file as hyparquet's AsyncBuffer, through a range reader, so a reader fetches the footer
 * and the column chunks it needs rather than the whole file. Nothing is fetched until the
 * first read; `readInto` lets the flat reader reuse its buffers.
 */
export function rangeAsyncBuffer(reader: RangeSource, name: string): AsyncBuffer & { name: string; readInto: ReadInto } {
  const byteLength = reader.size;
  const direct: ReadInto = async (start, target) => {
    // A store refuses a read of another version itself (in these words); for any other
    // source, a read short of the size it had is the sign.
    if ((await reader.read(start, target)) < target.length) throw new StoreError("failed", `${name} was written again while it was being read: read it again`);
  };
  const fetch = async (start: number, end: number) => {
    const bytes = new Uint8Array(Math.max(0, end - start));
    await direct(start, bytes);
    return bytes.buffer;
  };
  let whole: Promise<ArrayBuffer> | undefined;
  const wholeFile = () => (whole ??= fetch(0, byteLength));
  if (byteLength > WHOLE_FILE_BYTES) return { name, byteLength, slice: (start, end = byteLength) => fetch(start, end), readInto: direct };
  return {
    name,
    byteLength,
    slice: async (start, end = byteLength) => (await wholeFile()).slice(start, end),
    readInto: async (start, target) => target.set(new Uint8Array(await wholeFile(), start, target.length)),
  };
}
