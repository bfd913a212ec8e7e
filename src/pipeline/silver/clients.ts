import type { ObjectStore } from "../../storage/object-store.ts";
import type { BronzeEntry } from "../bronze.ts";
import { IdSet } from "../id-set.ts";
import type { Staging } from "../staging.ts";
import { ParquetOut } from "./parquet-out.ts";
import { RejectWriter } from "./rejects.ts";
import { checkClient, trimField } from "./rules.ts";
import { bronzeRecords } from "./source.ts";
import { CLIENT_COLUMNS, CLIENT_REJECT_CODES, SILVER_CLIENT_TYPES, type ClientRejectCode } from "./types.ts";

export interface ClientsResult {
  rowsIn: number;
  kept: number;
  rejects: Record<string, number>;
  /** Ids of the kept clients, to tell orphan purchases. */
  ids: IdSet;
}

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
  const ids = new IdSet();
  let rowsIn = 0;
  for await (const batch of bronzeRecords(store, entry)) {
    for (const { fields, line } of batch) {
      rowsIn++;
      if (fields.length !== CLIENT_COLUMNS.length) {
        rejects.add(fields, "malformed_row", line);
        continue;
      }
      const checked = checkClient(
        {
          id_client: trimField(fields[0]!),
          nom: trimField(fields[1]!),
          email: trimField(fields[2]!),
          date_inscription: trimField(fields[3]!),
          pays: trimField(fields[4]!),
        },
        asOfDay,
      );
      if (!checked.ok) {
        rejects.add(fields, checked.reason, line);
        continue;
      }
      const c = checked.client;
      if (!ids.add(c.id_client)) {
        rejects.add(fields, "duplicate", line);
        continue;
      }
      out.push(c.id_client, c.nom, c.email, c.date_inscription, c.pays);
    }
    await rejects.flush();
    await out.drain();
    progress(rowsIn);
  }
  await rejects.close();
  await out.finish();
  return { rowsIn, kept: out.rows, rejects: rejects.counts, ids };
}
