import type { ObjectStore } from "../../storage/object-store.ts";
import type { BronzeEntry } from "../bronze.ts";
import type { IdSet } from "../../columnar/id-set.ts";
import type { Staging } from "../staging.ts";
import { CLIENT_REJECT_CODES } from "../../contract/rejects.ts";
import { SILVER_CLIENT_TYPES } from "../../contract/silver-tables.ts";
import { countries } from "./canonical.ts";
import { cleanDataset, type CleaningResult, type PassControl } from "./clean-pass.ts";
import { CLIENT_FIELD, judgeClient, ClientRecord } from "./rules.ts";

export interface ClientsResult extends CleaningResult {
  /** Ids of the kept clients, to tell orphan purchases. */
  ids: IdSet;
}

const { nom, email, pays } = CLIENT_FIELD;

/** SPEC's clients rules; nom, and email unless lower-casing changed it, are written as the record's bytes. */
export async function cleanClients(
  store: ObjectStore,
  entry: BronzeEntry,
  asOfDay: number,
  staging: Staging,
  control: PassControl,
): Promise<ClientsResult> {
  const record = new ClientRecord(asOfDay);
  const result = await cleanDataset(
    store,
    entry,
    staging,
    {
      dataset: "clients",
      types: SILVER_CLIENT_TYPES,
      codes: CLIENT_REJECT_CODES,
      judge: judgeClient,
      record,
      keep(out, r) {
        out.number(0, r.id_client);
        out.bytes(1, r.bytes, r.start(nom), r.end(nom));
        if (r.loweredEmail === null) out.bytes(2, r.bytes, r.start(email), r.end(email));
        else out.text(2, r.loweredEmail);
        out.number(3, r.date_inscription);
        out.repeated(4, r.isNull(pays) ? null : countries.of(r.batch, r.start(pays), r.end(pays)));
      },
    },
    control,
  );
  return { ...result, ids: record.keptIds };
}
