/**
 * The byte parsers of SPEC's field spellings (UTF-8 trim, ids, amounts, dates, emails): each
 * reads a field as a byte range of the record, so a kept row allocates nothing for them. Byte
 * scans only: no backtracking regex, no Date objects.
 */
import type { CsvBatch } from "../../formats/csv-reader.ts";
import { daysFromCivil, daysInMonth } from "../../core/dates.ts";

const ZERO = 48;
const NINE = 57;
const DOT = 46;
const COMMA = 44;
const MINUS = 45;
const PLUS = 43;
const SLASH = 47;
const COLON = 58;
const SPACE = 32;
const UPPER_T = 84;
const UPPER_Z = 90;

/**
 * Length of the white space String.prototype.trim removes that starts at i (0 if none):
 * ASCII tab to CR and space, or the UTF-8 of U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000, U+FEFF. The bytes are valid UTF-8 (the reader checked).
 */
function spaceAt(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  if (c === SPACE || (c >= 9 && c <= 13)) return 1;
  if (c === 0xc2) return i + 1 < end && b[i + 1] === 0xa0 ? 2 : 0;
  if (c < 0xe1 || i + 2 >= end) return 0;
  return isWideSpace(c, b[i + 1]!, b[i + 2]!) ? 3 : 0;
}

/** Length of such white space that ends just before `end` (0 if none). */
function spaceBefore(b: Uint8Array, start: number, end: number): number {
  const c = b[end - 1]!;
  if (c === SPACE || (c >= 9 && c <= 13)) return 1;
  if (c < 0x80) return 0;
  if (end - 2 >= start && b[end - 2] === 0xc2 && c === 0xa0) return 2;
  return end - 3 >= start && isWideSpace(b[end - 3]!, b[end - 2]!, c) ? 3 : 0;
}

/** The three-byte white space characters. */
function isWideSpace(a: number, b: number, c: number): boolean {
  if (a === 0xe2) {
    if (b === 0x80) return (c >= 0x80 && c <= 0x8a) || c === 0xa8 || c === 0xa9 || c === 0xaf;
    return b === 0x81 && c === 0x9f;
  }
  if (a === 0xe1) return b === 0x9a && c === 0x80;
  if (a === 0xe3) return b === 0x80 && c === 0x80;
  return a === 0xef && b === 0xbb && c === 0xbf;
}

/**
 * SPEC's trim of every field of record r (as many as `out` holds): the trimmed range of field
 * k goes to out[2k], out[2k + 1]. Returns a mask with bit k set when field k is null (empty
 * once trimmed).
 */
export function trimFields(batch: CsvBatch, r: number, out: Int32Array): number {
  const b = batch.bytes;
  const first = batch.first[r]!;
  // A malformed record may have more fields than `out` has room for: the rules reject it
  // without reading any.
  const count = Math.min(batch.first[r + 1]! - first, out.length >> 1);
  let nulls = 0;
  for (let k = 0; k < count; k++) {
    let s = batch.starts[first + k]!;
    let e = batch.ends[first + k]!;
    // Most fields start and end with printable ASCII: nothing to trim.
    const c0 = b[s]!;
    const c1 = b[e - 1]!;
    if (!(s < e && c0 > SPACE && c0 < 0x7f && c1 > SPACE && c1 < 0x7f)) {
      for (let n = 0; s < e && (n = spaceAt(b, s, e)) > 0; ) s += n;
      for (let n = 0; s < e && (n = spaceBefore(b, s, e)) > 0; ) e -= n;
      if (s === e) nulls |= 1 << k;
    }
    out[2 * k] = s;
    out[2 * k + 1] = e;
  }
  return nulls;
}

/** A positive integer in ASCII digits, optionally `.0…0`, at most 2^53−1; else null. */
export function parseId(b: Uint8Array, start: number, end: number): number | null {
  let n = 0;
  let i = start;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c < ZERO || c > NINE) break;
    // Checked at every digit so the sum never leaves the range where doubles are exact.
    n = n * 10 + (c - ZERO);
    if (n > Number.MAX_SAFE_INTEGER) return null;
  }
  if (i === start) return null;
  if (i < end) {
    if (b[i] !== DOT || i + 1 === end) return null;
    for (i++; i < end; i++) if (b[i] !== ZERO) return null;
  }
  return n > 0 ? n : null;
}

/** Exact powers of ten: m / 10^k is correctly rounded for m < 2^53 and k ≤ 22 (Clinger). */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);
const EXACT_MANTISSA = 2 ** 53;

/**
 * `-?digits[(.|,)digits]`, finite; else null. `-0` (and `-0,00`) come back as +0, so they
 * are neither negative nor written `-0` anywhere.
 */
export function parseAmount(b: Uint8Array, start: number, end: number): number | null {
  const negative = b[start] === MINUS;
  let i = negative ? start + 1 : start;
  const intStart = i;
  let m = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c < ZERO || c > NINE) break;
    m = m * 10 + (c - ZERO);
  }
  if (i === intStart) return null;
  let scale = 0;
  if (i < end) {
    const sep = b[i]!;
    if (sep !== DOT && sep !== COMMA) return null;
    const fracStart = ++i;
    for (; i < end; i++) {
      const c = b[i]!;
      if (c < ZERO || c > NINE) return null;
      m = m * 10 + (c - ZERO);
    }
    if (i === fracStart) return null;
    scale = end - fracStart;
  }
  let v: number;
  if (m < EXACT_MANTISSA && scale < POW10.length) {
    v = m / POW10[scale]!;
  } else {
    // Too many digits for the exact path: Number() rounds the decimal text correctly.
    const text = Buffer.from(b.buffer, b.byteOffset + start, end - start).toString("latin1");
    v = Number(text.replace(",", "."));
    if (!Number.isFinite(v)) return null;
    v = Math.abs(v);
  }
  return negative && v !== 0 ? -v : v;
}

/** Two ASCII digits at i as a number, or -1. The caller has checked the length. */
function digits2(b: Uint8Array, i: number): number {
  const x = b[i]! - ZERO;
  const y = b[i + 1]! - ZERO;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

function digits4(b: Uint8Array, i: number): number {
  const hi = digits2(b, i);
  const lo = digits2(b, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** `THH:MM:SS` or ` HH:MM:SS`, optional `.digits`, optional `Z` or `±HH:MM`, then the end. */
function isTimeSuffix(b: Uint8Array, i: number, end: number): boolean {
  if (end < i + 9) return false;
  const sep = b[i];
  if ((sep !== UPPER_T && sep !== SPACE) || b[i + 3] !== COLON || b[i + 6] !== COLON) return false;
  const hours = digits2(b, i + 1);
  const minutes = digits2(b, i + 4);
  const seconds = digits2(b, i + 7);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59) return false;
  let p = i + 9;
  if (p < end && b[p] === DOT) {
    const fracStart = ++p;
    while (p < end && isDigit(b[p]!)) p++;
    if (p === fracStart) return false;
  }
  if (p === end) return true;
  const zone = b[p];
  if (zone === UPPER_Z) return p + 1 === end;
  if ((zone !== PLUS && zone !== MINUS) || end !== p + 6 || b[p + 3] !== COLON) return false;
  const offsetHours = digits2(b, p + 1);
  const offsetMinutes = digits2(b, p + 4);
  return offsetHours >= 0 && offsetHours <= 23 && offsetMinutes >= 0 && offsetMinutes <= 59;
}

/**
 * An accepted date spelling as its day number (days since 1970-01-01), or null. The calendar
 * date is taken as written: a time or offset is checked, never applied.
 */
export function parseDate(b: Uint8Array, start: number, end: number): number | null {
  const length = end - start;
  if (length < 10) return null;
  let year: number;
  let month: number;
  let day: number;
  if (b[start + 4] === MINUS) {
    if (b[start + 7] !== MINUS || (length > 10 && !isTimeSuffix(b, start + 10, end))) return null;
    year = digits4(b, start);
    month = digits2(b, start + 5);
    day = digits2(b, start + 8);
  } else if (length !== 10) {
    return null;
  } else if (b[start + 4] === SLASH && b[start + 7] === SLASH) {
    year = digits4(b, start);
    month = digits2(b, start + 5);
    day = digits2(b, start + 8);
  } else if (b[start + 2] === SLASH && b[start + 5] === SLASH) {
    day = digits2(b, start);
    month = digits2(b, start + 3);
    year = digits4(b, start + 6);
  } else {
    return null;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return daysFromCivil(year, month, day);
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

const AT = 64;
const UPPER_A = 65;
const UPPER_Z_LETTER = 90;

/** lowerEmail's answer for an address SPEC rejects. */
export const INVALID = "";

/**
 * An email judged on its lower-cased form (Unicode toLowerCase): INVALID, null when it is
 * valid and lower-casing changes nothing, else the lower-cased text. ASCII, nearly every
 * address, is judged on its bytes (lower-casing leaves `@`, `.` and white space alone); the
 * rest goes through the text.
 */
export function lowerEmail(batch: CsvBatch, start: number, end: number): string | null {
  const b = batch.bytes;
  let at = -1;
  let upper = false;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c >= 0x80) {
      const text = batch.decode(start, end);
      const email = text.toLowerCase();
      return !isValidEmail(email) ? INVALID : email === text ? null : email;
    }
    if (c === AT) {
      if (at >= 0) return INVALID;
      at = i;
    } else if (c === SPACE || (c >= 9 && c <= 13)) {
      return INVALID;
    } else if (c >= UPPER_A && c <= UPPER_Z_LETTER) {
      upper = true;
    }
  }
  if (at <= start) return INVALID;
  // The part after @ needs a dot with at least one character on each side.
  const dot = b.indexOf(DOT, at + 2);
  if (dot < 0 || dot >= end - 1) return INVALID;
  return upper ? batch.decode(start, end).toLowerCase() : null;
}
