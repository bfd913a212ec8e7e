import { ParquetStreamWriter, type ParquetColumn } from "../../formats/parquet.ts";
import type { Cell } from "../gold/tables.ts";
import type { StagedFile } from "../staging.ts";

/**
 * Kept rows gathered into columns and written to a staged Parquet file one row group at a time.
 * `push` is synchronous (a promise per row cost more than the row's rules); the caller lets a
 * full row group out with `drain()` between batches.
 */
export class ParquetOut {
  private readonly writer: ParquetStreamWriter;
  private columns: Cell[][];
  rows = 0;

  constructor(
    private readonly out: StagedFile,
    private readonly defs: readonly ParquetColumn[],
    private readonly groupSize = 100_000,
  ) {
    this.writer = new ParquetStreamWriter(defs);
    this.columns = defs.map(() => []);
  }

  push(...values: Cell[]): void {
    for (let i = 0; i < values.length; i++) this.columns[i]!.push(values[i]!);
    this.rows++;
  }

  /** Writes the gathered rows as a row group once there are enough of them. */
  async drain(): Promise<void> {
    if (this.columns[0]!.length >= this.groupSize) await this.flush();
  }

  private async flush(): Promise<void> {
    const n = this.columns[0]!.length;
    if (n === 0) return;
    for (const chunk of this.writer.writeBatch(this.columns, n)) this.out.write(chunk);
    this.columns = this.defs.map(() => []);
    await this.out.drain();
  }

  async finish(): Promise<void> {
    await this.flush();
    for (const chunk of this.writer.finish()) this.out.write(chunk);
    await this.out.close();
  }
}
