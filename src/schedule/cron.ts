import { UsageError } from "../core/errors.ts";
import { MINUTE_MS, timeZone, type WallTime } from "./time-zone.ts";

/** A parsed 5-field cron expression: the values each field lets through. */
export interface Cron {
  readonly expression: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  /** 1 (January) to 12. */
  readonly months: ReadonlySet<number>;
  /** 0 (Sunday) to 6; a 7 in the expression is stored as 0. */
  readonly daysOfWeek: ReadonlySet<number>;
  /**
   * Both day fields are restricted, so a day matches when either does (cron's OR rule).
   * Otherwise a day must match both, which amounts to the restricted one alone.
   */
  readonly eitherDay: boolean;
}

interface Field {
  name: string;
  min: number;
  max: number;
  /** Names for the values from `min` on, matched case-insensitively. */
  names?: readonly string[];
  values: string;
}

const FIELDS: readonly Field[] = [
  { name: "minute", min: 0, max: 59, values: "0-59" },
  { name: "hour", min: 0, max: 23, values: "0-23" },
  { name: "day-of-month", min: 1, max: 31, values: "1-31" },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
    values: "1-12 or JAN-DEC",
  },
  {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    values: "0-7 or SUN-SAT, 0 and 7 both Sunday",
  },
];

const FORMS = "*, lists like 1,5, ranges like 1-5, steps like */15 or 10-50/5";

/** Days in each month of a leap year: the most a day-of-month can reach in that month. */
const MOST_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses standard cron: "minute hour day-of-month month day-of-week", fields split by spaces. */
export function parseCron(expression: string): Cron {
  const texts = expression.trim().split(/\s+/).filter((text) => text !== "");
  if (texts.length !== FIELDS.length) {
    throw new UsageError(
      `cron expression "${expression}" has ${texts.length} fields; expected 5: minute hour day-of-month month day-of-week`,
    );
  }
  const [minutes, hours, daysOfMonth, months, weekdays] = FIELDS.map((field, i) =>
    parseField(texts[i]!, field, (problem) =>
      new UsageError(`cron expression "${expression}": ${field.name} ${problem} (${field.name} takes ${field.values}; ${FORMS})`),
    ),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const daysOfWeek = new Set([...weekdays].map((day) => day % 7));
  // As in Vixie cron and cronie: a day field that starts with "*" (even "*/2") is unrestricted.
  const eitherDay = !texts[2]!.startsWith("*") && !texts[4]!.startsWith("*");

  // Every date falls on every weekday over the years, so only the month days can rule out all.
  if (!eitherDay && ![...months].some((month) => [...daysOfMonth].some((day) => day <= MOST_DAYS[month - 1]!))) {
    throw new UsageError(
      `cron expression "${expression}" never fires: none of its months has day ${Math.min(...daysOfMonth)}`,
    );
  }
  return { expression, minutes, hours, daysOfMonth, months, daysOfWeek, eitherDay };
}

function parseField(text: string, field: Field, fail: (problem: string) => UsageError): Set<number> {
  const value = (token: string): number => {
    if (/^\d+$/.test(token)) {
      const number = Number(token);
      if (number < field.min || number > field.max) throw fail(`${number} is out of range ${field.min}-${field.max}`);
      return number;
    }
    const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
    if (named < 0) throw fail(`"${token}" is not a value`);
    return field.min + named;
  };

  const values = new Set<number>();
  for (const item of text.split(",")) {
    const [range = "", step, ...extra] = item.split("/");
    if (extra.length > 0) throw fail(`"${item}" has more than one step`);
    let low = field.min;
    let high = field.max;
    if (range !== "*") {
      const [first = "", last, ...more] = range.split("-");
      if (more.length > 0) throw fail(`"${range}" is not a range`);
      low = value(first);
      if (last === undefined) {
        if (step !== undefined) throw fail(`"${item}" steps from a single value: write ${first}-${field.max}/${step}`);
        high = low;
      } else {
        high = value(last);
        if (low > high) throw fail(`range "${range}" runs backwards`);
      }
    }
    let by = 1;
    if (step !== undefined) {
      by = /^\d+$/.test(step) ? Number(step) : 0;
      if (by < 1) throw fail(`step "${step}" is not a whole number of at least 1`);
    }
    for (let v = low; v <= high; v += by) values.add(v);
  }
  return values;
}

/**
 * The first instant strictly after `after` at which the expression fires, read on the wall
 * clock of `zone` (an IANA name). Around clock changes each matching wall time fires once: one
 * skipped by a forward change fires at the first minute after the change; one repeated by a
 * backward change fires at its first occurrence only.
 */
export function nextAfter(cron: Cron | string, after: Date, zone = "UTC"): Date {
  const schedule = typeof cron === "string" ? parseCron(cron) : cron;
  const clock = timeZone(zone);
  const afterMs = after.getTime();
  let from = Math.floor(clock.wallTime(afterMs) / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  for (;;) {
    const wall = nextMatch(schedule, from);
    const instant = clock.instant(wall);
    if (instant > afterMs) return new Date(instant);
    // A wall time repeated by a backward clock change whose first occurrence has passed.
    from = wall + MINUTE_MS;
  }
}

/** The first wall time at or after `from` (a whole minute) that the expression matches. */
function nextMatch(cron: Cron, from: WallTime): WallTime {
  const t = new Date(from);
  // Any date comes back on every weekday within the 400-year Gregorian cycle.
  const lastYear = t.getUTCFullYear() + 400;
  while (t.getUTCFullYear() <= lastYear) {
    if (!cron.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0);
    } else if (!dayMatches(cron, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0);
    } else if (!cron.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0);
    } else if (!cron.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1);
    } else {
      return t.getTime();
    }
  }
  throw new Error(`cron expression "${cron.expression}" matched nothing in 400 years`);
}

function dayMatches(cron: Cron, t: Date): boolean {
  const byMonthDay = cron.daysOfMonth.has(t.getUTCDate());
  const byWeekday = cron.daysOfWeek.has(t.getUTCDay());
  return cron.eitherDay ? byMonthDay || byWeekday : byMonthDay && byWeekday;
}
