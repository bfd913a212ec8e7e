import { csvField, csvLine } from "../../formats/csv.ts";
import type { CsvBatch } from "../../formats/csv-reader.ts";
import type { StagedFile } from "../staging.ts";

/**
 * The rejects table of a dataset: its columns with the values as read (a malformed row keeps
 * its first fields, missing ones null), then `reason`, then the source `line`.
 */
/** A rejected row as read: its source line and its fields (a malformed row's, as many as it had). */
export interface RejectSample {
  line: number;
  fields: (string | null)[];
}

/** How many rejected rows of each code the run record keeps. */
const SAMPLES_PER_CODE = 5;

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;

/**
 * A field whose bytes csvField would write as they are: no quote, comma or line break, and
 * edged by neither an ASCII space nor a byte of a multi-byte character (which may be one of
 * the Unicode spaces String.prototype.trim removes: those fields take the string path).
 */
function plainField(bytes: Uint8Array, start: number, end: number): boolean {
  const first = bytes[start]!;
  const last = bytes[end - 1]!;
  if (first <= 32 || first >= 0x80 || last <= 32 || last >= 0x80) return false;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === QUOTE || b === COMMA || b === CR || b === LF) return false;
  }
  return true;
}

export class RejectWriter<Code extends string> {
  readonly counts: Record<string, number> = {};
  readonly samples: Record<string, RejectSample[]> = {};
  total = 0;
  /** Each code's bytes, `,reason,` ready to follow the fields. */
  private readonly reasons = new Map<string, Uint8Array>();
  private pending = new Uint8Array(64 * 1024);
  private at = 0;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly out: StagedFile,
    private readonly columns: readonly string[],
    codes: readonly Code[],
  ) {
    for (const code of codes) {
      this.counts[code] = 0;
      this.reasons.set(code, this.encoder.encode(`,${csvField(code)},`));
    }
    out.write(csvLine([...columns, "reason", "line"]));
  }

  /**
   * Record `r` of `batch`, rejected for `reason`. Written from the record's bytes, as
   * csvLine would spell its decoded fields (only fields that need quoting become strings):
   * rejects are a tenth of the rows, and spelling each as text cost silver a tenth of its time.
   * Call `flush()` now and then (per batch) so pending lines reach the staged file.
   */
  add(batch: CsvBatch, r: number, reason: Code): void {
    const line = batch.lines[r]!;
    const seen = this.counts[reason] ?? 0;
    // The first few of a code only: a sample costs strings, never per row past them.
    if (seen < SAMPLES_PER_CODE) {
      const fields: (string | null)[] = [];
      for (let i = 0; i < this.columns.length; i++) fields.push(i < batch.size(r) ? batch.field(r, i) : null);
      (this.samples[reason] ??= []).push({ line, fields });
    }
    const { bytes, starts, ends } = batch;
    const first = batch.first[r]!;
    const size = batch.size(r);
    for (let i = 0; i < this.columns.length; i++) {
      if (i > 0) this.byte(COMMA);
      if (i >= size) continue; // a malformed row's missing field: null
      const start = starts[first + i]!;
      const end = ends[first + i]!;
      if (start === end) continue;
      if (plainField(bytes, start, end)) this.copy(bytes, start, end);
      else this.text(csvField(batch.decode(start, end)));
    }
    const spelled = this.reasons.get(reason)!;
    this.copy(spelled, 0, spelled.length);
    this.digits(line);
    this.byte(LF);
    this.counts[reason] = seen + 1;
    this.total++;
  }

  flush(): void {
    if (this.at > 0) this.out.write(this.pending.subarray(0, this.at));
    this.at = 0;
  }

  close(): void {
    this.flush();
    this.out.close();
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.pending.length) return;
    const grown = new Uint8Array(Math.max(this.pending.length * 2, this.at + bytes));
    grown.set(this.pending.subarray(0, this.at));
    this.pending = grown;
  }

  private byte(b: number): void {
    this.room(1);
    this.pending[this.at++] = b;
  }

  private copy(from: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    // Fields are a few bytes: a loop, not a subarray view each.
    const to = this.pending;
    let at = this.at;
    for (let i = start; i < end; i++) to[at++] = from[i]!;
    this.at = at;
  }

  /** A line number: a whole number, written without a string. */
  private digits(n: number): void {
    let width = 1;
    for (let p = 10; p <= n; p *= 10) width++;
    this.room(width);
    for (let i = this.at + width - 1; i >= this.at; i--) {
      this.pending[i] = 48 + (n % 10);
      n = Math.floor(n / 10);
    }
    this.at += width;
  }

  private text(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.room(s.length * 3);
    this.at += this.encoder.encodeInto(s, this.pending.subarray(this.at)).written;
  }
}
