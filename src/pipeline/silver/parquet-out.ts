import type { ColumnDef } from "../../contract/columns.ts";
import { ParquetStreamWriter } from "../../formats/parquet.ts";
import { Utf8Values, type Indexed } from "../../columnar/columns.ts";
import type { StagedFile } from "../staging.ts";

/**
 * A text column of one row group: its values as UTF-8 and each row's entry (-1 for null). Text
 * read from the CSV goes in as its bytes, never decoded; a repeated text (a product, a country)
 * is stored once per group, which the writer turns into a Parquet dictionary.
 */
class TextColumn implements Indexed {
  readonly values: Utf8Values;
  readonly index: Int32Array;
  private readonly entries = new Map<string, number>();

  constructor(size: number) {
    this.values = new Utf8Values(size, size * 16);
    this.index = new Int32Array(size);
  }

  clear(): void {
    this.values.clear();
    this.entries.clear();
  }

  repeated(row: number, text: string | null): void {
    if (text === null) {
      this.index[row] = -1;
      return;
    }
    let entry = this.entries.get(text);
    if (entry === undefined) {
      entry = this.values.pushString(text);
      this.entries.set(text, entry);
    }
    this.index[row] = entry;
  }
}

type Column = Float64Array | Int32Array | TextColumn;

function columnOf(def: ColumnDef, size: number): Column {
  if (def.type === "string") return new TextColumn(size);
  // Silver's nullable column is text (pays); numbers are REQUIRED and live in typed arrays.
  if (def.nullable !== false) throw new Error(`silver column ${def.name}: a nullable ${def.type} is not supported`);
  return def.type === "date" ? new Int32Array(size) : new Float64Array(size);
}

/**
 * Kept rows gathered into columns and written to a staged Parquet file one row group at a time.
 * Filling a row is synchronous (a promise per row cost more than the row's rules), and so is
 * writing to the staged file. Every array is reused from one row group to the next: fresh
 * memory costs a page fault per 4 KiB.
 */
export class ParquetOut {
  private readonly writer: ParquetStreamWriter;
  private readonly columns: Column[];
  private filled = 0;
  rows = 0;

  constructor(
    private readonly out: StagedFile,
    defs: readonly ColumnDef[],
    private readonly groupSize = 100_000,
  ) {
    // The staged file takes each block in before the next is made: the blocks are reused.
    this.writer = new ParquetStreamWriter(defs, { recycle: true });
    this.columns = defs.map((d) => columnOf(d, groupSize));
  }

  /** A number (a day number for a date) in column c of the row being filled. */
  number(c: number, value: number): void {
    (this.columns[c] as Float64Array)[this.filled] = value;
  }

  /** UTF-8 bytes [start, end) of `from` as the text of column c. */
  bytes(c: number, from: Uint8Array, start: number, end: number): void {
    const column = this.columns[c] as TextColumn;
    column.index[this.filled] = column.values.pushBytes(from, start, end);
  }

  /** A text of column c that many rows share (stored once per row group), or null. */
  repeated(c: number, text: string | null): void {
    (this.columns[c] as TextColumn).repeated(this.filled, text);
  }

  /** A text of column c that is the row's own. */
  text(c: number, text: string): void {
    const column = this.columns[c] as TextColumn;
    column.index[this.filled] = column.values.pushString(text);
  }

  /** Ends the row being filled. */
  next(): void {
    this.rows++;
    if (++this.filled === this.groupSize) this.writeGroup();
  }

  /** The gathered rows as a row group; the writer copies them, so every column is reused. */
  private writeGroup(): void {
    if (this.filled === 0) return;
    for (const chunk of this.writer.writeBatch(this.columns, this.filled)) this.out.write(chunk);
    for (const column of this.columns) if (column instanceof TextColumn) column.clear();
    this.filled = 0;
  }

  finish(): void {
    this.writeGroup();
    for (const chunk of this.writer.finish()) this.out.write(chunk);
    this.out.close();
  }
}
