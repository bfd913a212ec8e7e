/**
 * Numbers and dates spelled into bytes exactly as SPEC's CSV wants them (`String(n)` with -0 as
 * 0; `YYYY-MM-DD`), without making a string for each.
 */
import { daysFromCivil, isoFromDayNumber } from "../../core/dates.ts";

const ZERO = 0x30;
const MINUS = 0x2d;
const POINT = 0x2e;

/** Longest `String(n)` of a double: `-1.2345678901234567e-308`. */
export const NUMBER_MAX = 25;
/** `YYYY-MM-DD`; years past 9999 cannot come from silver, but would not overrun a buffer either. */
export const DAY_MAX = 16;

/**
 * `String(v)`, with -0 as 0. Integers go digit by digit and amounts in cents as digits around a
 * point; anything else through String itself.
 *
 * Why cents may skip String: when c = round(v × 100) gives c / 100 === v, the decimal c / 100
 * rounds to v. String(v) writes the shortest decimal that rounds to v, the closest one if
 * several; any other decimal that short or shorter lies at least 0.01 away from c / 100, and
 * below 10^13 two decimals that far apart never round to the same double (its spacing there is
 * under 2^-9). So String(v) is c / 100's digits, without trailing zeros, in plain notation
 * (exponents start at 10^21 and below 10^-6).
 */
export function writeNumber(v: number, out: Uint8Array, at: number): number {
  if (v < 0) {
    out[at++] = MINUS;
    v = -v;
  }
  if (Number.isSafeInteger(v)) return writeInteger(v, out, at);
  const cents = Math.round(v * 100);
  if (v < 1e13 && cents / 100 === v) {
    const units = Math.floor(cents / 100);
    const fraction = cents - units * 100;
    at = writeInteger(units, out, at);
    out[at++] = POINT;
    out[at++] = ZERO + ((fraction / 10) | 0);
    if (fraction % 10 !== 0) out[at++] = ZERO + (fraction % 10);
    return at;
  }
  return writeAscii(String(v), out, at);
}

/** A non-negative safe integer; in 32-bit pieces, as a double's `%` is a slow library call. */
function writeInteger(v: number, out: Uint8Array, at: number): number {
  if (v <= 0x7fffffff) return writeInt32(v, out, at);
  const high = Math.floor(v / 1e9); // below 2^53 / 10^9, an int32
  at = writeInt32(high, out, at);
  let low = v - high * 1e9;
  for (let i = at + 8; i >= at; i--) {
    const q = (low / 10) | 0;
    out[i] = ZERO + low - q * 10;
    low = q;
  }
  return at + 9;
}

function writeInt32(v: number, out: Uint8Array, at: number): number {
  let n = v | 0;
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    const q = (n / 10) | 0;
    out[i] = ZERO + n - q * 10;
    n = q;
  }
  return end;
}

export function writeAscii(s: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
  return at;
}

/**
 * `YYYY-MM-DD` of the days of 1900–2099, each spelled once, on first use: every date SPEC keeps
 * is within ten years of as_of. Other days are spelled on the spot.
 */
class DayText {
  readonly #base = daysFromCivil(1900, 1, 1);
  readonly #span = daysFromCivil(2100, 1, 1) - this.#base;
  #text = new Uint8Array(0);
  #known = new Uint8Array(0);

  write(day: number, out: Uint8Array, at: number): number {
    const slot = day - this.#base;
    if (!(slot >= 0 && slot < this.#span)) return writeAscii(isoFromDayNumber(day), out, at);
    if (this.#known[slot] !== 1) this.#spell(slot, day);
    const text = this.#text;
    const from = slot * 10;
    for (let i = 0; i < 10; i++) out[at + i] = text[from + i]!;
    return at + 10;
  }

  #spell(slot: number, day: number): void {
    if (this.#known.length === 0) {
      this.#text = new Uint8Array(this.#span * 10);
      this.#known = new Uint8Array(this.#span);
    }
    writeAscii(isoFromDayNumber(day), this.#text, slot * 10);
    this.#known[slot] = 1;
  }
}

export const DAYS = new DayText();
