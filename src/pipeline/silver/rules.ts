/**
 * SPEC's silver rules, per dataset, in SPEC's order: a row gets the code of the FIRST rule it
 * breaks (a rule's check answers true), and a row that breaks none is kept. Checks read the
 * record's trimmed fields by name; one that parses a field leaves the value on the record, for
 * the rules after it and for the kept row.
 */
import { IdSet } from "../../columnar/id-set.ts";
import { ACHAT_COLUMNS, CLIENT_COLUMNS } from "../../contract/sources.ts";
import type { AchatRejectCode, ClientRejectCode } from "../../contract/rejects.ts";
import { INVALID } from "./byte-parsers.ts";
import { fieldIndex, fieldMask, NO_DAY, NO_ID, TrimmedRecord } from "./record.ts";
import { judgeOf, type Rule } from "./rule-judge.ts";

// ---------------------------------------------------------------------------------------------
// clients

export const CLIENT_FIELD = fieldIndex(CLIENT_COLUMNS);
const CLIENT_REQUIRED = fieldMask(CLIENT_FIELD, ["id_client", "nom", "email", "date_inscription"]);

/** A client record under the rules, and what they parsed from it. */
export class ClientRecord extends TrimmedRecord {
  id_client = 0;
  /** The lower-cased email when it differs from the field as written, else null. */
  loweredEmail: string | null = null;
  /** Day number. */
  date_inscription = 0;
  /** Ids of the clients kept so far. */
  readonly keptIds = new IdSet();

  constructor(readonly asOfDay: number) {
    super(CLIENT_COLUMNS.length);
  }
}

export const CLIENT_RULES: readonly Rule<ClientRecord, ClientRejectCode>[] = [
  { code: "malformed_row", check: (r) => r.fieldCount !== CLIENT_COLUMNS.length },
  { code: "missing_field", check: (r) => r.anyNull(CLIENT_REQUIRED) },
  { code: "invalid_id", check: (r) => (r.id_client = r.id(CLIENT_FIELD.id_client)) === NO_ID },
  { code: "invalid_email", check: (r) => (r.loweredEmail = r.lowerEmail(CLIENT_FIELD.email)) === INVALID },
  { code: "invalid_date", check: (r) => (r.date_inscription = r.day(CLIENT_FIELD.date_inscription)) === NO_DAY },
  { code: "future_date", check: (r) => r.date_inscription > r.asOfDay },
  { code: "duplicate", check: (r) => !r.keptIds.add(r.id_client) },
];

// ---------------------------------------------------------------------------------------------
// achats

/** `too_old`: a purchase more than this many days before as_of. */
export const MAX_AGE_DAYS = 3650;

export const ACHAT_FIELD = fieldIndex(ACHAT_COLUMNS);
const ACHAT_REQUIRED = fieldMask(ACHAT_FIELD, ["id_achat", "id_client", "date_achat", "montant", "produit"]);

/** A purchase record under the rules, and what they parsed from it. */
export class AchatRecord extends TrimmedRecord {
  id_achat = 0;
  id_client = 0;
  montant = 0;
  /** Day number. */
  date_achat = 0;
  /** Ids of the purchases kept so far. */
  readonly keptIds = new IdSet();

  /**
   * `outlierLimit` is 2 × q99 (amounts.ts), NaN when no row passed the rules before
   * outlier_amount: then nothing is an outlier. Those rules need neither argument.
   */
  constructor(
    readonly asOfDay = NaN,
    readonly outlierLimit = NaN,
  ) {
    super(ACHAT_COLUMNS.length);
  }
}

export const ACHAT_RULES: readonly Rule<AchatRecord, AchatRejectCode>[] = [
  { code: "malformed_row", check: (r) => r.fieldCount !== ACHAT_COLUMNS.length },
  { code: "missing_field", check: (r) => r.anyNull(ACHAT_REQUIRED) },
  {
    code: "invalid_id",
    check: (r) => (r.id_achat = r.id(ACHAT_FIELD.id_achat)) === NO_ID || (r.id_client = r.id(ACHAT_FIELD.id_client)) === NO_ID,
  },
  { code: "invalid_amount", check: (r) => Number.isNaN((r.montant = r.amount(ACHAT_FIELD.montant))) },
  { code: "negative_amount", check: (r) => r.montant < 0 },
  { code: "outlier_amount", check: (r) => r.montant > r.outlierLimit },
  { code: "invalid_date", check: (r) => (r.date_achat = r.day(ACHAT_FIELD.date_achat)) === NO_DAY },
  { code: "future_date", check: (r) => r.date_achat > r.asOfDay },
  { code: "too_old", check: (r) => r.date_achat < r.asOfDay - MAX_AGE_DAYS },
  { code: "duplicate", check: (r) => !r.keptIds.add(r.id_achat) },
];

/** q99 is taken over the montant of the rows that passed rules 1–4: those before outlier_amount. */
export const OUTLIER_CANDIDATE_RULES = ACHAT_RULES.slice(0, ACHAT_RULES.findIndex((rule) => rule.code === "outlier_amount"));

/** Each list as one function (see judgeOf): the code of the first rule a record breaks, or null. */
export const judgeClient = judgeOf(CLIENT_RULES);
export const judgeAchat = judgeOf(ACHAT_RULES);
export const judgeOutlierCandidate = judgeOf(OUTLIER_CANDIDATE_RULES);
