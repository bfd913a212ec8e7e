/** SPEC's reject codes per dataset, in the order the rules are applied: a row gets the first that fails. */

export const CLIENT_REJECT_CODES = [
  "malformed_row",
  "missing_field",
  "invalid_id",
  "invalid_email",
  "invalid_date",
  "future_date",
  "duplicate",
] as const;
export const ACHAT_REJECT_CODES = [
  "malformed_row",
  "missing_field",
  "invalid_id",
  "invalid_amount",
  "negative_amount",
  "outlier_amount",
  "invalid_date",
  "future_date",
  "too_old",
  "duplicate",
] as const;
export type ClientRejectCode = (typeof CLIENT_REJECT_CODES)[number];
export type AchatRejectCode = (typeof ACHAT_REJECT_CODES)[number];
