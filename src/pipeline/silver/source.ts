import { InputError } from "../../core/errors.ts";
import { csvBatches, type CsvBatch } from "../../formats/csv-reader.ts";
import { headerDiagnosis } from "../../formats/header-diagnosis.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import type { BronzeEntry } from "../bronze.ts";
import { DATASETS, type Dataset } from "../../contract/sources.ts";

/**
 * A bronze copy read back as batches of data records, after the header check below. The CSV
 * reader copies what it keeps, so the store may read through one reused buffer.
 */
export async function* bronzeRecords(store: ObjectStore, entry: BronzeEntry): AsyncIterable<CsvBatch> {
  yield* datasetRecords(await store.get("bronze", entry.key), entry.dataset);
}

/**
 * A dataset's bytes as batches of data records, after SPEC's header check: exactly the
 * dataset's columns in order, surrounding white space and a byte-order mark ignored.
 */
export async function* datasetRecords(chunks: AsyncIterable<Uint8Array>, dataset: Dataset): AsyncIterable<CsvBatch> {
  const { file, header } = DATASETS[dataset];
  let headerSeen = false;
  for await (const batch of csvBatches(chunks, { file })) {
    if (!headerSeen) {
      const got = batch.fields(0).map((f) => f.trim());
      if (got.length !== header.length || got.some((name, i) => name !== header[i])) {
        const line = batch.lines[0]!;
        const why = headerDiagnosis(got, header);
        throw new InputError(`${file}:${line}: header must be exactly "${header.join(",")}" (got ${shownHeader(got)}): ${why}`, file, line);
      }
      headerSeen = true;
      batch.dropFirst();
      if (batch.count === 0) continue;
    }
    yield batch;
  }
  if (!headerSeen) {
    throw new InputError(`${file}: the file is empty; expected the header "${header.join(",")}"`, file);
  }
}

/** Longest part of a wrong header quoted in the error: a header may hold 10,000 names. */
const MAX_SHOWN = 120;

function shownHeader(names: string[]): string {
  const text = names.join(",");
  return text.length <= MAX_SHOWN ? `"${text}"` : `"${text.slice(0, MAX_SHOWN)}…", ${names.length} columns`;
}
