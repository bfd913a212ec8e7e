import { ParquetStreamWriter, type ParquetColumn } from "../../formats/parquet.ts";
import type { Cell } from "../gold/tables.ts";
import type { StagedFile } from "../staging.ts";

/**
 * Numbers of a REQUIRED column go into a reused typed array, dates as day numbers; anything
 * else into an array. Holding 100k rows of boxed values and date strings until the row group
 * was written cost more than the rules themselves (the collector kept walking them).
 */
type Column = Float64Array | Int32Array | Cell[];

const columnOf = (def: ParquetColumn, size: number): Column =>
  def.nullable !== false || def.type === "string" ? [] : def.type === "date" ? new Int32Array(size) : new Float64Array(size);

/**
 * Kept rows gathered into columns and written to a staged Parquet file one row group at a time.
 * Filling a row is synchronous (a promise per row cost more than the row's rules); the caller lets the
 * written bytes out with `drain()` between batches.
 */
export class ParquetOut {
  private readonly writer: ParquetStreamWriter;
  private readonly columns: Column[];
  private filled = 0;
  rows = 0;

  constructor(
    private readonly out: StagedFile,
    private readonly defs: readonly ParquetColumn[],
    private readonly groupSize = 100_000,
  ) {
    this.writer = new ParquetStreamWriter(defs);
    this.columns = defs.map((d) => columnOf(d, groupSize));
  }

  /** Cell c of the row being filled (dates as day numbers); `next()` ends the row. */
  set(c: number, value: Cell): void {
    (this.columns[c] as Cell[])[this.filled] = value;
  }

  next(): void {
    this.rows++;
    if (++this.filled === this.groupSize) this.writeGroup();
  }

  /** Lets the staged file take in what was written so far. */
  async drain(): Promise<void> {
    await this.out.drain();
  }

  /** The gathered rows as a row group; the writer copies them, so the typed arrays are reused. */
  private writeGroup(): void {
    if (this.filled === 0) return;
    for (const chunk of this.writer.writeBatch(this.columns, this.filled)) this.out.write(chunk);
    this.columns.forEach((column, c) => {
      if (Array.isArray(column)) this.columns[c] = [];
    });
    this.filled = 0;
  }

  async finish(): Promise<void> {
    this.writeGroup();
    for (const chunk of this.writer.finish()) this.out.write(chunk);
    await this.out.close();
  }
}
