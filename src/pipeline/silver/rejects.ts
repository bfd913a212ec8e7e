import { csvLine } from "../../formats/csv.ts";
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

export class RejectWriter<Code extends string> {
  readonly counts: Record<string, number> = {};
  readonly samples: Record<string, RejectSample[]> = {};
  total = 0;
  private pending = "";

  constructor(
    private readonly out: StagedFile,
    private readonly columns: readonly string[],
    codes: readonly Code[],
  ) {
    for (const code of codes) this.counts[code] = 0;
    out.write(csvLine([...columns, "reason", "line"]));
  }

  /** Call `flush()` now and then (per batch) so pending lines reach the staged file. */
  add(fields: readonly string[], reason: Code, line: number): void {
    const values: (string | number | null)[] = [];
    for (let i = 0; i < this.columns.length; i++) values.push(fields[i] ?? null);
    const seen = this.counts[reason] ?? 0;
    // The first few of a code only: a sample costs an array, never per row past them.
    if (seen < SAMPLES_PER_CODE) (this.samples[reason] ??= []).push({ line, fields: values.slice() as (string | null)[] });
    values.push(reason, line);
    this.pending += csvLine(values);
    this.counts[reason] = seen + 1;
    this.total++;
  }

  flush(): void {
    if (this.pending) this.out.write(this.pending);
    this.pending = "";
  }

  close(): void {
    this.flush();
    this.out.close();
  }
}
