/**
 * Calendar arithmetic on day numbers (days since 1970-01-01, proleptic Gregorian, years
 * 1..9999). Integers instead of Date objects: no time zone can shift a day, and nothing is
 * allocated per row.
 */

/** Days since 1970-01-01 of a valid calendar date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Count from March so the leap day falls at the end of the counted year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

export interface Civil {
  year: number;
  month: number;
  day: number;
}

export function civilFromDays(n: number): Civil {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Day number of a `YYYY-MM-DD` string already known to be valid. */
export function dayNumber(iso: string): number {
  // Unrolled: this runs once per row wherever dates are written or grouped.
  const digit = (i: number) => iso.charCodeAt(i) - 48;
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  return daysFromCivil(year, digit(5) * 10 + digit(6), digit(8) * 10 + digit(9));
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function isoFromCivil(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}`;
}

export function isoFromDayNumber(n: number): string {
  const c = civilFromDays(n);
  return isoFromCivil(c.year, c.month, c.day);
}

export const WEEKDAY_NAMES = [
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
  "Sunday",
] as const;

/** 0 = Monday .. 6 = Sunday. Day 0 (1970-01-01) was a Thursday. */
export function weekdayIndex(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

export function mondayOf(day: number): number {
  return day - weekdayIndex(day);
}

/** ISO 8601: a week belongs to the year that holds its Thursday; week 1 holds the first Thursday. */
export function isoWeek(day: number): { year: number; week: number } {
  const thursday = mondayOf(day) + 3;
  const year = civilFromDays(thursday).year;
  return { year, week: Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1 };
}

/** `YYYY-Www`, as agg_semaine writes it. */
export function isoWeekLabel(day: number): string {
  const { year, week } = isoWeek(day);
  return `${String(year).padStart(4, "0")}-W${pad2(week)}`;
}

export function quarter(month: number): number {
  return Math.floor((month - 1) / 3) + 1;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] ?? 0);
}
