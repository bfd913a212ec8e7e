/**
 * SPEC's silver rules as pure functions: one trimmed field in, a value or null out, and the
 * two datasets' rule order in one place. Hot path: charCode scans, no backtracking regex, no
 * Date objects.
 */
import { daysFromCivil, daysInMonth } from "../dates.ts";
import {
  PRODUCTS,
  COUNTRIES,
  ACHAT_REJECT_CODES,
  CLIENT_REJECT_CODES,
  type Achat,
  type AchatRejectCode,
  type Client,
  type ClientRejectCode,
  type ACHAT_COLUMNS,
  type CLIENT_COLUMNS,
} from "./types.ts";

const ZERO = 48;
const DOT = 46;
const COMMA = 44;
const MINUS = 45;
const PLUS = 43;
const SLASH = 47;
const COLON = 58;
const SPACE = 32;
const UPPER_T = 84;
const UPPER_Z = 90;

/** SPEC's trim (String.prototype.trim); an empty field is null. */
export function trimField(s: string): string | null {
  // Most fields start and end with printable ASCII: nothing to trim, no copy to make.
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  if (first > 32 && first < 127 && last > 32 && last < 127) return s;
  const t = s.trim();
  return t.length === 0 ? null : t;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= ZERO + 9;
}

/** A positive integer in ASCII digits, optionally `.0…0`, at most 2^53−1; else null. */
export function parseId(s: string): number | null {
  const len = s.length;
  let n = 0;
  let i = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) break;
    // Checked at every digit so the sum never leaves the range where doubles are exact.
    n = n * 10 + (c - ZERO);
    if (n > Number.MAX_SAFE_INTEGER) return null;
  }
  if (i === 0) return null;
  if (i < len) {
    if (s.charCodeAt(i) !== DOT || i + 1 === len) return null;
    for (i++; i < len; i++) if (s.charCodeAt(i) !== ZERO) return null;
  }
  return n > 0 ? n : null;
}

/**
 * `-?digits[(.|,)digits]`, finite; else null. `-0` (and `-0,00`) come back as +0, so they
 * are neither negative nor written `-0` anywhere.
 */
export function parseAmount(s: string): number | null {
  const len = s.length;
  let i = s.charCodeAt(0) === MINUS ? 1 : 0;
  const intStart = i;
  while (i < len && isDigit(s.charCodeAt(i))) i++;
  if (i === intStart) return null;
  let comma = -1;
  if (i < len) {
    const sep = s.charCodeAt(i);
    if (sep !== DOT && sep !== COMMA) return null;
    if (sep === COMMA) comma = i;
    const fracStart = ++i;
    while (i < len && isDigit(s.charCodeAt(i))) i++;
    if (i === fracStart || i < len) return null;
  }
  // Number() rounds the decimal text correctly; it needs the point as separator.
  const v = Number(comma < 0 ? s : `${s.slice(0, comma)}.${s.slice(comma + 1)}`);
  if (!Number.isFinite(v)) return null;
  return v === 0 ? 0 : v;
}

/** Two ASCII digits at i as a number, or -1. The caller has checked the length. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - ZERO;
  const b = s.charCodeAt(i + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function digits4(s: string, i: number): number {
  const hi = digits2(s, i);
  const lo = digits2(s, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

/** `THH:MM:SS` or ` HH:MM:SS`, optional `.digits`, optional `Z` or `±HH:MM`, then the end. */
function isTimeSuffix(s: string, i: number): boolean {
  const len = s.length;
  if (len < i + 9) return false;
  const sep = s.charCodeAt(i);
  if ((sep !== UPPER_T && sep !== SPACE) || s.charCodeAt(i + 3) !== COLON || s.charCodeAt(i + 6) !== COLON) {
    return false;
  }
  const hours = digits2(s, i + 1);
  const minutes = digits2(s, i + 4);
  const seconds = digits2(s, i + 7);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59) return false;
  let p = i + 9;
  if (p < len && s.charCodeAt(p) === DOT) {
    const fracStart = ++p;
    while (p < len && isDigit(s.charCodeAt(p))) p++;
    if (p === fracStart) return false;
  }
  if (p === len) return true;
  const zone = s.charCodeAt(p);
  if (zone === UPPER_Z) return p + 1 === len;
  if ((zone !== PLUS && zone !== MINUS) || len !== p + 6 || s.charCodeAt(p + 3) !== COLON) return false;
  const offsetHours = digits2(s, p + 1);
  const offsetMinutes = digits2(s, p + 4);
  return offsetHours >= 0 && offsetHours <= 23 && offsetMinutes >= 0 && offsetMinutes <= 59;
}

/**
 * An accepted date spelling as yyyymmdd (one number, nothing allocated), or -1. The calendar
 * date is taken as written: a time or offset is checked, never applied.
 */
function dateKey(s: string): number {
  if (s.length < 10) return -1;
  let year: number;
  let month: number;
  let day: number;
  if (s.charCodeAt(4) === MINUS) {
    if (s.charCodeAt(7) !== MINUS || (s.length > 10 && !isTimeSuffix(s, 10))) return -1;
    year = digits4(s, 0);
    month = digits2(s, 5);
    day = digits2(s, 8);
  } else if (s.length !== 10) {
    return -1;
  } else if (s.charCodeAt(4) === SLASH && s.charCodeAt(7) === SLASH) {
    year = digits4(s, 0);
    month = digits2(s, 5);
    day = digits2(s, 8);
  } else if (s.charCodeAt(2) === SLASH && s.charCodeAt(5) === SLASH) {
    day = digits2(s, 0);
    month = digits2(s, 3);
    year = digits4(s, 6);
  } else {
    return -1;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return -1;
  return year * 10000 + month * 100 + day;
}

/** `YYYY-MM-DD` of an accepted spelling and its key. */
function isoOf(s: string, key: number): string {
  // Spellings that start YYYY-MM-DD already hold the output.
  if (s.charCodeAt(4) === MINUS) return s.length === 10 ? s : s.slice(0, 10);
  const yyyymmdd = String(key).padStart(8, "0");
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6)}`;
}

function dayFromKey(key: number): number {
  return daysFromCivil(Math.floor(key / 10000), Math.floor(key / 100) % 100, key % 100);
}

/** An accepted date spelling as `YYYY-MM-DD`, or null. */
export function parseDate(s: string): string | null {
  const key = dateKey(s);
  return key < 0 ? null : isoOf(s, key);
}

/** JavaScript's `\s`: one character class, so the test cannot backtrack. */
const WHITE_SPACE = /\s/;

/** `^[^@\s]+@[^@\s]+\.[^@\s]+$`, decided by a scan (the regex can backtrack quadratically on dots). */
export function isValidEmail(email: string): boolean {
  const at = email.indexOf("@");
  if (at < 1 || email.indexOf("@", at + 1) >= 0) return false;
  // The part after @ needs a dot with at least one character on each side.
  const dot = email.indexOf(".", at + 2);
  if (dot < 0 || dot === email.length - 1) return false;
  return !WHITE_SPACE.test(email);
}

/** Case-insensitive lookup of reference spellings; anything else is kept as written. */
function canonicalizer(references: readonly string[]): (s: string) => string {
  const bySpelling = new Map<string, string>();
  for (const ref of references) {
    bySpelling.set(ref, ref);
    bySpelling.set(ref.toLowerCase(), ref);
  }
  // The reference spelling itself is the common case: a few comparisons, no hashing.
  return (s) => {
    for (const ref of references) if (s === ref) return ref;
    return bySpelling.get(s.toLowerCase()) ?? s;
  };
}

export const canonicalCountry = canonicalizer(COUNTRIES);
export const canonicalProduct = canonicalizer(Object.keys(PRODUCTS));

/**
 * SPEC's linear-interpolation quantile of ascending values. NaN for no values: nothing
 * compares greater, so an empty dataset has no outliers.
 */
export function quantileLinear(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const p = q * (n - 1);
  const lo = Math.floor(p);
  const hi = Math.ceil(p);
  const low = sorted[lo]!;
  return low + (p - lo) * (sorted[hi]! - low);
}

/** A montant above this (2 × q99 of the rows that passed rules 1–4) is `outlier_amount`. */
export function outlierLimit(sortedMontants: Float64Array): number {
  return 2 * quantileLinear(sortedMontants, 0.99);
}

/** `too_old`: a purchase more than this many days before as_of. */
export const MAX_AGE_DAYS = 3650;

export type Fields<Columns extends readonly string[]> = { readonly [K in Columns[number]]: string | null };
export type ClientFields = Fields<typeof CLIENT_COLUMNS>;
export type AchatFields = Fields<typeof ACHAT_COLUMNS>;

export interface Rejected<Code> {
  ok: false;
  reason: Code;
}

/** One shared object per code: a reject allocates nothing. */
function rejections<Code extends string>(codes: readonly Code[]): Record<Code, Rejected<Code>> {
  return Object.fromEntries(codes.map((reason) => [reason, Object.freeze({ ok: false, reason })])) as Record<
    Code,
    Rejected<Code>
  >;
}

const CLIENT_REJECT = rejections(CLIENT_REJECT_CODES);
const ACHAT_REJECT = rejections(ACHAT_REJECT_CODES);

export type ClientCheck = { ok: true; client: Client } | Rejected<ClientRejectCode>;

/** Client rules 1–5 in SPEC order (rule 6, duplicate, needs the pass's memory of ids). */
export function checkClient(f: ClientFields, asOfDay: number): ClientCheck {
  const { id_client, nom, email, date_inscription } = f;
  if (id_client === null || nom === null || email === null || date_inscription === null) {
    return CLIENT_REJECT.missing_field;
  }
  const id = parseId(id_client);
  if (id === null) return CLIENT_REJECT.invalid_id;
  const lowered = email.toLowerCase();
  if (!isValidEmail(lowered)) return CLIENT_REJECT.invalid_email;
  const key = dateKey(date_inscription);
  if (key < 0) return CLIENT_REJECT.invalid_date;
  if (dayFromKey(key) > asOfDay) return CLIENT_REJECT.future_date;
  return {
    ok: true,
    client: {
      id_client: id,
      nom,
      email: lowered,
      date_inscription: isoOf(date_inscription, key),
      pays: f.pays === null ? null : canonicalCountry(f.pays),
    },
  };
}

/** A purchase that passed rules 1–4: its montant feeds q99 before rules 5–8 can run. */
export interface AchatPre {
  ok: true;
  id_achat: number;
  id_client: number;
  montant: number;
  /** date_achat as written (trimmed): judged by rule 6, after the outlier rule. */
  rawDate: string;
  /** Already in its reference spelling. */
  produit: string;
}

/** Purchase rules 1–4 in SPEC order. */
export function checkAchatPre(f: AchatFields): AchatPre | Rejected<AchatRejectCode> {
  const { id_achat, id_client, date_achat, montant, produit } = f;
  if (id_achat === null || id_client === null || date_achat === null || montant === null || produit === null) {
    return ACHAT_REJECT.missing_field;
  }
  const idAchat = parseId(id_achat);
  const idClient = parseId(id_client);
  if (idAchat === null || idClient === null) return ACHAT_REJECT.invalid_id;
  const amount = parseAmount(montant);
  if (amount === null) return ACHAT_REJECT.invalid_amount;
  if (amount < 0) return ACHAT_REJECT.negative_amount;
  return {
    ok: true,
    id_achat: idAchat,
    id_client: idClient,
    montant: amount,
    rawDate: date_achat,
    produit: canonicalProduct(produit),
  };
}

export type AchatCheck = { ok: true; achat: Achat } | Rejected<AchatRejectCode>;

/** Purchase rules 5–8 in SPEC order (rule 9, duplicate, needs the pass's memory of ids). */
export function checkAchatPost(pre: AchatPre, asOfDay: number, limit: number): AchatCheck {
  if (pre.montant > limit) return ACHAT_REJECT.outlier_amount;
  const key = dateKey(pre.rawDate);
  if (key < 0) return ACHAT_REJECT.invalid_date;
  const day = dayFromKey(key);
  if (day > asOfDay) return ACHAT_REJECT.future_date;
  if (day < asOfDay - MAX_AGE_DAYS) return ACHAT_REJECT.too_old;
  return {
    ok: true,
    achat: {
      id_achat: pre.id_achat,
      id_client: pre.id_client,
      date_achat: isoOf(pre.rawDate, key),
      montant: pre.montant,
      produit: pre.produit,
    },
  };
}
