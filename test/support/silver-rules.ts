/**
 * The byte-level silver rules driven by strings, for tests: each value becomes the bytes of a
 * one-record CSV batch, exactly as the reader would hand them over.
 */
import { CsvBatch } from "../../src/formats/csv-reader.ts";
import { isoFromDayNumber } from "../../src/core/dates.ts";
import * as parsers from "../../src/pipeline/silver/byte-parsers.ts";
import { countries, products } from "../../src/pipeline/silver/canonical.ts";
import {
  ACHAT_FIELD,
  AchatRecord,
  CLIENT_FIELD,
  ClientRecord,
  judgeAchat,
  judgeClient,
  judgeOutlierCandidate,
} from "../../src/pipeline/silver/rules.ts";
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
  <T>(parse: (b: Uint8Array, start: number, end: number) => T) =>
  (s: string): T => {
    const bytes = encoder.encode(s);
    return parse(bytes, 0, bytes.length);
  };

export const parseId = onText(parsers.parseId);
export const parseAmount = onText(parsers.parseAmount);
/** An accepted date as `YYYY-MM-DD`, or null. */
export const parseDate = (s: string): string | null => {
  const day = onText(parsers.parseDate)(s);
  return day === null ? null : isoFromDayNumber(day);
};

/** SPEC's trim of one field; null when nothing is left. */
export function trimField(s: string): string | null {
  const batch = recordOf([s]);
  const f = new Int32Array(2);
  return parsers.trimFields(batch, 0, f) ? null : batch.decode(f[0]!, f[1]!);
}

export const canonicalCountry = (s: string) => countries.of(recordOf([s]), 0, encoder.encode(s).length);
export const canonicalProduct = (s: string) => products.of(recordOf([s]), 0, encoder.encode(s).length);

export type Fields<Columns extends readonly string[]> = { readonly [K in Columns[number]]: string | null };
export type ClientFields = Fields<typeof CLIENT_COLUMNS>;
export type AchatFields = Fields<typeof ACHAT_COLUMNS>;

/** Every client rule on one record (so never `duplicate`); the kept client with its date as `YYYY-MM-DD`. */
export function checkClient(f: ClientFields, asOfDay: number) {
  const r = new ClientRecord(asOfDay);
  r.read(recordOf([f.id_client, f.nom, f.email, f.date_inscription, f.pays]), 0);
  const reason = judgeClient(r);
  if (reason !== null) return { ok: false as const, reason };
  const { nom, email, pays } = CLIENT_FIELD;
  const client = {
    id_client: r.id_client,
    nom: r.batch.decode(r.start(nom), r.end(nom)),
    email: r.loweredEmail ?? r.batch.decode(r.start(email), r.end(email)),
    date_inscription: isoFromDayNumber(r.date_inscription),
    pays: r.isNull(pays) ? null : countries.of(r.batch, r.start(pays), r.end(pays)),
  };
  return { ok: true as const, client };
}

function achatRecord(f: AchatFields, asOfDay?: number, limit?: number): AchatRecord {
  const r = new AchatRecord(asOfDay, limit);
  r.read(recordOf([f.id_achat, f.id_client, f.date_achat, f.montant, f.produit]), 0);
  return r;
}

/** Every purchase rule on one record with the given outlier limit; a kept purchase with its date as `YYYY-MM-DD`. */
export function checkAchat(f: AchatFields, asOfDay: number, limit: number) {
  const r = achatRecord(f, asOfDay, limit);
  const reason = judgeAchat(r);
  if (reason !== null) return { ok: false as const, reason };
  const { produit } = ACHAT_FIELD;
  const achat = {
    id_achat: r.id_achat,
    id_client: r.id_client,
    montant: r.montant,
    date_achat: isoFromDayNumber(r.date_achat),
    produit: products.of(r.batch, r.start(produit), r.end(produit)),
  };
  return { ok: true as const, achat };
}

/** The purchase rules q99 is taken over (rules 1–4) alone: the reason, or "ok". */
export function preReason(f: AchatFields): string {
  return judgeOutlierCandidate(achatRecord(f)) ?? "ok";
}
