import type { Database, Statement } from "bun:sqlite";
import { StoreError } from "../../core/errors.ts";
import type { ColumnBatch } from "../../contract/columns.ts";
import type { Cell, ColumnDef } from "../../contract/columns.ts";

/** Far below SQLite's limit of bound parameters; larger statements stopped paying off. */
const PARAMS_PER_INSERT = 2500;

export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
export const columnList = (columns: readonly ColumnDef[]) => columns.map((c) => ident(c.name)).join(", ");

/**
 * Appends column batches to a table with prepared multi-row INSERTs, one transaction per batch,
 * so rows keep their arrival (gold) order in the rowid. When the rowid is one of the columns
 * (`key`), its values must rise strictly from row to row, or that order would be lost.
 */
export class BatchInsert {
  count = 0;
  private readonly rowsPerInsert: number;
  private readonly full: Statement;
  private readonly params: Cell[];
  private readonly key: number;
  private lastKey = -Infinity;

  constructor(
    private readonly db: Database,
    private readonly table: string,
    private readonly columns: readonly ColumnDef[],
    key?: string,
  ) {
    this.rowsPerInsert = Math.max(1, Math.floor(PARAMS_PER_INSERT / columns.length));
    this.full = this.statement(this.rowsPerInsert);
    this.params = new Array<Cell>(this.rowsPerInsert * columns.length);
    this.key = key === undefined ? -1 : columns.findIndex((c) => c.name === key);
  }

  push({ rowCount, values }: ColumnBatch): void {
    if (this.key >= 0) this.checkKeys(values[this.key]!, rowCount);
    this.db.transaction(() => {
      const { params, rowsPerInsert } = this;
      const width = values.length;
      let at = 0;
      let pending = 0;
      for (let r = 0; r < rowCount; r++) {
        for (let c = 0; c < width; c++) params[at++] = values[c]![r] ?? null;
        if (++pending === rowsPerInsert) {
          this.full.run(params);
          at = 0;
          pending = 0;
        }
      }
      if (pending > 0) {
        const rest = this.statement(pending);
        rest.run(params.slice(0, at));
        rest.finalize();
      }
    })();
    this.count += rowCount;
  }

  /** Releases the prepared statement so the table can be renamed or dropped. */
  finish(): void {
    this.full.finalize();
  }

  private checkKeys(keys: ArrayLike<Cell>, rowCount: number): void {
    let last = this.lastKey;
    for (let r = 0; r < rowCount; r++) {
      const key = keys[r];
      if (typeof key !== "number" || !(key > last)) {
        const name = this.columns[this.key]!.name;
        const previous = last === -Infinity ? "" : ` after ${last}`;
        throw new StoreError("failed", `${name} must rise strictly in gold order: row ${this.count + r + 1} has ${key}${previous}`);
      }
      last = key;
    }
    this.lastKey = last;
  }

  private statement(rows: number): Statement {
    const one = `(${this.columns.map(() => "?").join(", ")})`;
    const values = Array(rows).fill(one).join(", ");
    return this.db.prepare(`INSERT INTO ${ident(this.table)} (${columnList(this.columns)}) VALUES ${values}`);
  }
}
