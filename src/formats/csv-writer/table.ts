import { SLICE_ROWS, type SlicedTable } from "../../columnar/table.ts";
import { csvLine } from "../csv.ts";
import { fieldOf } from "./fields.ts";

/** Rows encoded field by field before they are put together: their fields stay in the caches. */
const RUN_ROWS = 4096;
/** Scratch room for a run, beyond which it takes fewer rows. */
const RUN_BYTES = 16 << 20;
/** Bytes per CSV chunk: the folder store's write size. */
const CHUNK_BYTES = 1 << 20;

const LF = 0x0a;
const COMMA = 0x2c;
const QUOTE = 0x22;

/**
 * The table as CSV bytes: the header line, then runs of rows. Each field of a run is encoded in
 * one pass into a scratch buffer, then the run's lines are put together from them. Chunks of
 * about `chunkBytes` come out of one buffer, written again for the next chunk (a store copies
 * what it keeps): fresh memory would cost a page fault per 4 KiB.
 */
export function* tableCsvChunks(table: SlicedTable, batchRows = SLICE_ROWS, chunkBytes = CHUNK_BYTES): Iterable<Uint8Array> {
  const header = new TextEncoder().encode(csvLine(table.columns.map((c) => c.name)));
  // Not cleared first: only what is written is handed out.
  let out: Uint8Array = Buffer.allocUnsafe(Math.max(chunkBytes, header.length));
  out.set(header);
  let at = header.length;
  const width = table.columns.length;
  const ends = new Int32Array(width * RUN_ROWS);
  const starts = new Int32Array(width);
  let scratch = new Uint8Array(0);
  for (let first = 0; first < table.rowCount; first += batchRows) {
    const last = Math.min(first + batchRows, table.rowCount);
    const fields = table.slice(first, last).map((column, c) => fieldOf(column, table.columns[c]!.type));
    // A run's room is its rows times the longest a row can be: fewer rows per run when one
    // value is long (a 4 MiB name would otherwise ask for gigabytes).
    const rowMax = fields.reduce((n, f) => n + f.max, 0);
    const runRows = Math.max(1, Math.min(RUN_ROWS, Math.floor(RUN_BYTES / rowMax)));
    const room = rowMax * runRows;
    if (scratch.length < room) scratch = new Uint8Array(room);
    for (let from = 0; from < last - first; from += runRows) {
      const rows = Math.min(runRows, last - first - from);
      let used = 0;
      fields.forEach((field, c) => {
        starts[c] = used;
        used = field.encode(from, from + rows, scratch, used, ends, c * RUN_ROWS);
      });
      // The fields, a comma or newline after each, and a lone empty field's quotes.
      const size = used + rows * width * 3;
      if (at + size > out.length) {
        if (at > 0) yield out.subarray(0, at);
        if (size > out.length) out = Buffer.allocUnsafe(size);
        at = 0;
      }
      at = joinLines(scratch, starts, ends, width, rows, out, at);
    }
  }
  if (at > 0) yield out.subarray(0, at);
}

/** The lines of a run from its encoded fields: column c's cell of row r ends at ends[c × RUN_ROWS + r]. */
function joinLines(scratch: Uint8Array, starts: Int32Array, ends: Int32Array, width: number, rows: number, out: Uint8Array, at: number): number {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      const k = c * RUN_ROWS + r;
      const start = r === 0 ? starts[c]! : ends[k - 1]!;
      const end = ends[k]!;
      for (let p = start; p < end; p++) out[at++] = scratch[p]!;
      // As csvLine: a lone empty field would be a blank line, which readers skip.
      if (width === 1 && start === end) {
        out[at++] = QUOTE;
        out[at++] = QUOTE;
      }
      out[at++] = c === width - 1 ? LF : COMMA;
    }
  }
  return at;
}
