/**
 * SPEC's silver rules written a second time, for tests to compare the real layer against.
 * Written from SPEC alone, not from src/pipeline/silver: plain regular expressions, BigInt for
 * id ranges, and calendar math that counts days from 0001-01-01 without Date objects.
 * Readable over fast: it runs on a few hundred rows at a time.
 */

// SPEC's reference values, restated here so a typo in the source would not be copied.
export const REF_COUNTRIES = ["France", "Germany", "Spain", "Italy", "Belgium", "Netherland", "Switzerland", "UK", "Canada"];
export const REF_PRODUCTS = ["Laptop", "Phone", "Tablet", "Headphones", "Monitor", "Keyboard", "Mouse", "Webcam", "Speaker", "Charger"];

// ---------------------------------------------------------------------------------------------
// Calendar

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function monthLength(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Day count with 0001-01-01 as day 1. */
export function ordinal(year: number, month: number, day: number): number {
  const before = year - 1;
  let n = before * 365 + Math.floor(before / 4) - Math.floor(before / 100) + Math.floor(before / 400);
  for (let m = 1; m < month; m++) n += monthLength(year, m);
  return n + day;
}

/** The inverse of `ordinal`, by walking years then months. */
export function civil(n: number): { year: number; month: number; day: number } {
  let year = Math.max(1, Math.floor(n / 365.2425));
  while (ordinal(year + 1, 1, 1) <= n) year++;
  while (ordinal(year, 1, 1) > n) year--;
  let month = 1;
  while (month < 12 && ordinal(year, month + 1, 1) <= n) month++;
  return { year, month, day: n - ordinal(year, month, 1) + 1 };
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

export function iso(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

function ordinalOfIso(date: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return ordinal(y, m, d);
}

// ---------------------------------------------------------------------------------------------
// Field rules, on trimmed values

/** SPEC: trimmed as String.prototype.trim does; empty is null. */
export function refTrim(raw: string): string | null {
  const t = raw.trim();
  return t === "" ? null : t;
}

const MAX_ID = 2n ** 53n - 1n;

export function refId(s: string): number | null {
  const m = /^([0-9]+)(\.0+)?$/.exec(s);
  if (!m) return null;
  const value = BigInt(m[1]!);
  return value >= 1n && value <= MAX_ID ? Number(value) : null;
}

export function refAmount(s: string): number | null {
  if (!/^-?[0-9]+([.,][0-9]+)?$/.test(s)) return null;
  const value = Number(s.replace(",", "."));
  if (!Number.isFinite(value)) return null;
  return value === 0 ? 0 : value; // -0 is 0
}

const DATE_FORMS: { re: RegExp; order: "ymd" | "dmy"; time: boolean }[] = [
  { re: /^(\d{4})-(\d{2})-(\d{2})$/, order: "ymd", time: false },
  { re: /^(\d{4})\/(\d{2})\/(\d{2})$/, order: "ymd", time: false },
  { re: /^(\d{2})\/(\d{2})\/(\d{4})$/, order: "dmy", time: false },
  {
    re: /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/,
    order: "ymd",
    time: true,
  },
];

/** An accepted spelling as YYYY-MM-DD, or null. */
export function refDate(s: string): string | null {
  for (const form of DATE_FORMS) {
    const m = form.re.exec(s);
    if (!m) continue;
    const n = m.slice(1).map((g) => (g === undefined ? 0 : Number(g)));
    const [year, month, day] = form.order === "ymd" ? [n[0]!, n[1]!, n[2]!] : [n[2]!, n[1]!, n[0]!];
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > monthLength(year, month)) return null;
    if (form.time) {
      const [hours, minutes, seconds] = [n[3]!, n[4]!, n[5]!];
      const [offsetHours, offsetMinutes] = [n[8]!, n[9]!];
      if (hours > 23 || minutes > 59 || seconds > 59 || offsetHours > 23 || offsetMinutes > 59) return null;
    }
    return iso(year, month, day);
  }
  return null;
}

/** SPEC's expression, on the lower-cased address. */
export function refEmail(lowered: string): boolean {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(lowered);
}

function canonical(references: readonly string[], s: string): string {
  return references.find((r) => r.toLowerCase() === s.toLowerCase()) ?? s;
}

// ---------------------------------------------------------------------------------------------
// Datasets

export interface RefRecord {
  /** Field values as the CSV holds them (untrimmed). */
  fields: string[];
  /** Source line where the record starts. */
  line: number;
}

export interface RefReject {
  /** The dataset's columns as read; missing ones null. */
  values: (string | null)[];
  reason: string;
  line: number;
}

export interface RefClient {
  id_client: number;
  nom: string;
  email: string;
  date_inscription: string;
  pays: string | null;
}

export interface RefAchat {
  id_achat: number;
  id_client: number;
  date_achat: string;
  montant: number;
  produit: string;
}

const WIDTH = 5;
type Five = [string | null, string | null, string | null, string | null, string | null];
const trimmed = (record: RefRecord) => record.fields.map(refTrim) as Five;

function rejectOf(record: RefRecord, reason: string): RefReject {
  const values = Array.from({ length: WIDTH }, (_, i) => record.fields[i] ?? null);
  return { values, reason, line: record.line };
}

export function refClients(records: RefRecord[], asOf: string): { kept: RefClient[]; rejects: RefReject[] } {
  const kept: RefClient[] = [];
  const rejects: RefReject[] = [];
  const survivors = new Set<number>();
  const today = ordinalOfIso(asOf);
  for (const record of records) {
    const reason = (code: string) => rejects.push(rejectOf(record, code));
    if (record.fields.length !== WIDTH) {
      reason("malformed_row");
      continue;
    }
    const [id, nom, email, date, pays] = trimmed(record);
    if (id === null || nom === null || email === null || date === null) {
      reason("missing_field");
      continue;
    }
    const idValue = refId(id);
    if (idValue === null) {
      reason("invalid_id");
      continue;
    }
    const lowered = email.toLowerCase();
    if (!refEmail(lowered)) {
      reason("invalid_email");
      continue;
    }
    const day = refDate(date);
    if (day === null) {
      reason("invalid_date");
      continue;
    }
    if (ordinalOfIso(day) > today) {
      reason("future_date");
      continue;
    }
    if (survivors.has(idValue)) {
      reason("duplicate");
      continue;
    }
    survivors.add(idValue);
    kept.push({
      id_client: idValue,
      nom,
      email: lowered,
      date_inscription: day,
      pays: pays === null ? null : canonical(REF_COUNTRIES, pays),
    });
  }
  return { kept, rejects };
}

/** SPEC's 0.99 quantile with linear interpolation; null for no values. */
export function refQ99(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const p = 0.99 * (v.length - 1);
  const lo = Math.floor(p);
  const hi = Math.ceil(p);
  return v[lo]! + (p - lo) * (v[hi]! - v[lo]!);
}

export interface RefAchatsResult {
  kept: RefAchat[];
  rejects: RefReject[];
  orphans: number;
  q99: number | null;
}

export function refAchats(records: RefRecord[], asOf: string, clientIds: ReadonlySet<number>): RefAchatsResult {
  // The outlier rule needs every amount that passed rules 1–4 first.
  type Early =
    | { record: RefRecord; reason: string }
    | { record: RefRecord; idAchat: number; idClient: number; montant: number; date: string; produit: string };
  const early: Early[] = records.map((record) => {
    if (record.fields.length !== WIDTH) return { record, reason: "malformed_row" };
    const [idAchat, idClient, date, montant, produit] = trimmed(record);
    if (idAchat === null || idClient === null || date === null || montant === null || produit === null) {
      return { record, reason: "missing_field" };
    }
    const a = refId(idAchat);
    const c = refId(idClient);
    if (a === null || c === null) return { record, reason: "invalid_id" };
    const amount = refAmount(montant);
    if (amount === null) return { record, reason: "invalid_amount" };
    if (amount < 0) return { record, reason: "negative_amount" };
    return { record, idAchat: a, idClient: c, montant: amount, date, produit };
  });
  const q99 = refQ99(early.flatMap((e) => ("montant" in e ? [e.montant] : [])));

  const kept: RefAchat[] = [];
  const rejects: RefReject[] = [];
  const survivors = new Set<number>();
  const today = ordinalOfIso(asOf);
  let orphans = 0;
  for (const e of early) {
    if ("reason" in e) {
      rejects.push(rejectOf(e.record, e.reason));
      continue;
    }
    const reason = (code: string) => rejects.push(rejectOf(e.record, code));
    if (q99 !== null && e.montant > 2 * q99) {
      reason("outlier_amount");
      continue;
    }
    const day = refDate(e.date);
    if (day === null) {
      reason("invalid_date");
      continue;
    }
    const n = ordinalOfIso(day);
    if (n > today) {
      reason("future_date");
      continue;
    }
    if (n < today - 3650) {
      reason("too_old");
      continue;
    }
    if (survivors.has(e.idAchat)) {
      reason("duplicate");
      continue;
    }
    survivors.add(e.idAchat);
    if (!clientIds.has(e.idClient)) orphans++;
    kept.push({
      id_achat: e.idAchat,
      id_client: e.idClient,
      date_achat: day,
      montant: e.montant,
      produit: canonical(REF_PRODUCTS, e.produit),
    });
  }
  return { kept, rejects, orphans, q99 };
}
