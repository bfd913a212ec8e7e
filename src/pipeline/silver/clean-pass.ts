import type { ObjectStore } from "../../storage/object-store.ts";
import type { BronzeEntry } from "../bronze.ts";
import type { Staging } from "../staging.ts";
import { DATASETS, type Dataset } from "../../contract/sources.ts";
import type { ColumnDef } from "../../contract/columns.ts";
import { ParquetOut } from "./parquet-out.ts";
import type { TrimmedRecord } from "./record.ts";
import { RejectWriter, type RejectSample } from "./rejects.ts";
import type { Judge } from "./rule-judge.ts";
import { bronzeRecords } from "./source.ts";

/** How one dataset is cleaned: its rules, the record they fill, and how a kept row is written. */
export interface Cleaning<R extends TrimmedRecord, Code extends string> {
  readonly dataset: Dataset;
  /** The silver table's columns. */
  readonly types: readonly ColumnDef[];
  /** Every reject code, in SPEC's order (the counts are reported in it). */
  readonly codes: readonly Code[];
  /** The dataset's rules (rules.ts). */
  readonly judge: Judge<R, Code>;
  readonly record: R;
  /** Fills the row of a record that broke no rule (the pass moves to the next row). */
  keep(out: ParquetOut, record: R): void;
}

export interface CleaningResult {
  rowsIn: number;
  kept: number;
  rejects: Record<string, number>;
  /** The first rejected rows of each code, as read, to show what a reject looks like. */
  samples: Record<string, RejectSample[]>;
}

/** What a pass reports as it goes, and what stops it between two batches (Ctrl-C, a timeout). */
export interface PassControl {
  progress: (rows: number) => void;
  signal?: AbortSignal;
}

/** The staged files a dataset's cleaning writes. */
export const keptFile = (dataset: Dataset) => `${dataset}.parquet`;
export const rejectsFile = (dataset: Dataset) => `${dataset}_rejects.csv`;

/**
 * A dataset's bronze copy in one streamed pass: every record through the dataset's rules,
 * kept rows to Parquet, the others to the rejects with the code of the rule they broke.
 */
export async function cleanDataset<R extends TrimmedRecord, Code extends string>(
  store: ObjectStore,
  entry: BronzeEntry,
  staging: Staging,
  cleaning: Cleaning<R, Code>,
  control: PassControl,
): Promise<CleaningResult> {
  const { dataset, judge, record } = cleaning;
  const out = new ParquetOut(staging.file(keptFile(dataset)), cleaning.types);
  const rejects = new RejectWriter<Code>(staging.file(rejectsFile(dataset)), DATASETS[dataset].header, cleaning.codes);
  let rowsIn = 0;
  for await (const batch of bronzeRecords(store, entry)) {
    control.signal?.throwIfAborted();
    for (let r = 0; r < batch.count; r++) {
      record.read(batch, r);
      const reason = judge(record);
      if (reason === null) {
        cleaning.keep(out, record);
        out.next();
      } else {
        rejects.add(batch, r, reason);
      }
    }
    rowsIn += batch.count;
    rejects.flush();
    control.progress(rowsIn);
  }
  rejects.close();
  out.finish();
  return { rowsIn, kept: out.rows, rejects: rejects.counts, samples: rejects.samples };
}
