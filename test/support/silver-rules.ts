/**
 * The byte-level silver rules driven by strings, for tests: each value becomes the bytes of a
 * one-record CSV batch, exactly as the reader would hand them over.
 */
import { CsvBatch } from "../../src/formats/csv-reader.ts";
import { isoFromDayNumber } from "../../src/pipeline/dates.ts";
import * as rules from "../../src/pipeline/silver/rules.ts";
import type { ACHAT_COLUMNS, CLIENT_COLUMNS } from "../../src/contract/sources.ts";

const encoder = new TextEncoder();

/** One record whose fields hold these texts (null: an empty field). */
export function recordOf(values: readonly (string | null)[]): CsvBatch {
  const parts = values.map((v) => encoder.encode(v ?? ""));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const batch = new CsvBatch(bytes, values.length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    batch.addField(at, at + part.length);
    at += part.length;
  }
  batch.endRecord(1);
  return batch;
}

const onText =
  <T>(rule: (b: Uint8Array, start: number, end: number) => T) =>
  (s: string): T => {
    const bytes = encoder.encode(s);
    return rule(bytes, 0, bytes.length);
  };

export const parseId = onText(rules.parseId);
export const parseAmount = onText(rules.parseAmount);
/** An accepted date as `YYYY-MM-DD`, or null. */
export const parseDate = (s: string): string | null => {
  const day = onText(rules.parseDate)(s);
  return day === null ? null : isoFromDayNumber(day);
};

/** SPEC's trim of one field; null when nothing is left. */
export function trimField(s: string): string | null {
  const batch = recordOf([s]);
  const f = new Int32Array(2);
  return rules.trimFields(batch, 0, f) ? null : batch.decode(f[0]!, f[1]!);
}

export const canonicalCountry = (s: string) => rules.countries.of(recordOf([s]), 0, encoder.encode(s).length);
export const canonicalProduct = (s: string) => rules.products.of(recordOf([s]), 0, encoder.encode(s).length);

export type Fields<Columns extends readonly string[]> = { readonly [K in Columns[number]]: string | null };
export type ClientFields = Fields<typeof CLIENT_COLUMNS>;
export type AchatFields = Fields<typeof ACHAT_COLUMNS>;

/** Client rules 1–5 on trimmed fields; the kept client with its date as `YYYY-MM-DD`. */
export function checkClient(f: ClientFields, asOfDay: number) {
  const batch = recordOf([f.id_client, f.nom, f.email, f.date_inscription, f.pays]);
  const ranges = new Int32Array(10);
  const row = new rules.ClientRow();
  const reason = rules.checkClient(batch, ranges, rules.trimFields(batch, 0, ranges), asOfDay, row);
  if (reason !== null) return { ok: false as const, reason };
  const client = {
    id_client: row.id_client,
    nom: batch.decode(ranges[2]!, ranges[3]!),
    email: row.loweredEmail ?? batch.decode(ranges[4]!, ranges[5]!),
    date_inscription: isoFromDayNumber(row.date_inscription),
    pays: row.pays,
  };
  return { ok: true as const, client };
}

/** Purchase rules 1–4, then 5–8 with the given limit; a kept purchase with its date as `YYYY-MM-DD`. */
export function checkAchat(f: AchatFields, asOfDay: number, limit: number) {
  const batch = recordOf([f.id_achat, f.id_client, f.date_achat, f.montant, f.produit]);
  const ranges = new Int32Array(10);
  const row = new rules.AchatRow();
  const reason =
    rules.checkAchatPre(batch.bytes, ranges, rules.trimFields(batch, 0, ranges), row) ??
    rules.checkAchatPost(batch.bytes, ranges, row, asOfDay, limit);
  if (reason !== null) return { ok: false as const, reason };
  return {
    ok: true as const,
    achat: { ...row, date_achat: isoFromDayNumber(row.date_achat), produit: rules.products.of(batch, ranges[8]!, ranges[9]!) },
  };
}

/** Purchase rules 1–4 alone: the reason, or "ok". */
export function preReason(f: AchatFields): string {
  const batch = recordOf([f.id_achat, f.id_client, f.date_achat, f.montant, f.produit]);
  const ranges = new Int32Array(10);
  return rules.checkAchatPre(batch.bytes, ranges, rules.trimFields(batch, 0, ranges), new rules.AchatRow()) ?? "ok";
}
