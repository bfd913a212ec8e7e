import type { ObjectStore } from "../../storage/object-store.ts";
import type { BronzeEntry } from "../bronze.ts";
import { IdSet } from "../../columnar/id-set.ts";
import type { Staging } from "../staging.ts";
import { ParquetOut } from "./parquet-out.ts";
import { RejectWriter } from "./rejects.ts";
import { checkClient, ClientRow, trimFields } from "./rules.ts";
import { bronzeRecords } from "./source.ts";
import { CLIENT_COLUMNS } from "../../contract/sources.ts";
import { CLIENT_REJECT_CODES, type ClientRejectCode } from "../../contract/rejects.ts";
import { SILVER_CLIENT_TYPES } from "../../contract/silver-tables.ts";

export interface ClientsResult {
  rowsIn: number;
  kept: number;
  rejects: Record<string, number>;
  /** Ids of the kept clients, to tell orphan purchases. */
  ids: IdSet;
}

const COLUMNS = CLIENT_COLUMNS.length;

/** SPEC's clients rules in one streamed pass: kept rows to Parquet, the others to rejects. */
export async function cleanClients(
  store: ObjectStore,
  entry: BronzeEntry,
  asOfDay: number,
  staging: Staging,
  progress: (rows: number) => void,
): Promise<ClientsResult> {
  const out = new ParquetOut(staging.file("clients.parquet"), SILVER_CLIENT_TYPES);
  const rejects = new RejectWriter<ClientRejectCode>(staging.file("clients_rejects.csv"), CLIENT_COLUMNS, CLIENT_REJECT_CODES);
  const f = new Int32Array(2 * COLUMNS);
  const row = new ClientRow();
  const ids = new IdSet();
  let rowsIn = 0;
  for await (const batch of bronzeRecords(store, entry)) {
    for (let r = 0; r < batch.count; r++) {
      const reason =
        batch.size(r) !== COLUMNS
          ? "malformed_row"
          : (checkClient(batch, f, trimFields(batch, r, f), asOfDay, row) ?? (ids.add(row.id_client) ? null : "duplicate"));
      if (reason !== null) {
        rejects.add(batch.fields(r), reason, batch.lines[r]!);
        continue;
      }
      out.number(0, row.id_client);
      out.bytes(1, batch.bytes, f[2]!, f[3]!);
      if (row.loweredEmail === null) out.bytes(2, batch.bytes, f[4]!, f[5]!);
      else out.text(2, row.loweredEmail);
      out.number(3, row.date_inscription);
      out.repeated(4, row.pays);
      out.next();
    }
    rowsIn += batch.count;
    rejects.flush();
    progress(rowsIn);
  }
  rejects.close();
  out.finish();
  return { rowsIn, kept: out.rows, rejects: rejects.counts, ids };
}
