import { expect, test } from "bun:test";
import fc from "fast-check";
import { nextAfter, parseCron } from "../../src/schedule/cron.ts";

/**
 * nextAfter against plain brute-force searches on random expressions: one walks UTC days then
 * minutes; the other walks instants minute by minute across clock changes, by its own rule.
 */

const MINUTE = 60_000;

/** A field as generated: undefined is "*", otherwise the values, written as a list. */
type Values = readonly number[] | undefined;

interface Fields {
  minutes: Values;
  hours: Values;
  daysOfMonth: Values;
  months: Values;
  daysOfWeek: Values;
}

const values = (min: number, max: number, most: number) =>
  fc.option(fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: most }), { nil: undefined });

const text = (field: Values) => (field ? field.join(",") : "*");
const expression = (f: Fields) =>
  [f.minutes, f.hours, f.daysOfMonth, f.months, f.daysOfWeek].map(text).join(" ");
const has = (field: Values, value: number) => !field || field.includes(value);

/** Whether a wall time (Date.UTC fields) matches, by cron's rules read plainly. */
function matches(f: Fields, wall: Date): boolean {
  const day =
    f.daysOfMonth && f.daysOfWeek
      ? f.daysOfMonth.includes(wall.getUTCDate()) || f.daysOfWeek.includes(wall.getUTCDay())
      : has(f.daysOfMonth, wall.getUTCDate()) && has(f.daysOfWeek, wall.getUTCDay());
  return has(f.minutes, wall.getUTCMinutes()) && has(f.hours, wall.getUTCHours()) && has(f.months, wall.getUTCMonth() + 1) && day;
}

/** UTC: the first matching minute after `after`, day by day, then minute by minute within the day. */
function bruteUtc(f: Fields, after: number): number | undefined {
  const firstDay = Math.floor(after / 86_400_000) * 86_400_000;
  for (let day = firstDay; day < firstDay + 401 * 366 * 86_400_000; day += 86_400_000) {
    const noon = new Date(day + 12 * 3_600_000);
    if (!matches({ ...f, minutes: undefined, hours: undefined }, noon)) continue;
    for (let t = day; t < day + 86_400_000; t += MINUTE) {
      if (t > after && matches(f, new Date(t))) return t;
    }
  }
  return undefined;
}

const formats = new Map<string, Intl.DateTimeFormat>();
function wallOf(zone: string, instant: number): number {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formats.set(zone, format);
  }
  const parts = format.formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"));
}

/**
 * Any zone: instant t (a whole minute) fires when some matching wall minute lies after every
 * wall time already shown and at or before t's own. That is t's wall time itself on an ordinary
 * minute, every minute the clock jumped over as well after a forward change, and nothing while
 * a backward change shows wall times again.
 */
function bruteZone(f: Fields, after: number, zone: string): number {
  const start = Math.floor(after / MINUTE) * MINUTE + MINUTE;
  let shown = -Infinity;
  for (let t = start - 3 * 3_600_000; t < start; t += MINUTE) shown = Math.max(shown, wallOf(zone, t));
  for (let t = start; ; t += MINUTE) {
    const wall = wallOf(zone, t);
    for (let w = Math.max(shown + MINUTE, wall - 3 * 3_600_000); w <= wall; w += MINUTE) {
      if (matches(f, new Date(w))) return t;
    }
    shown = Math.max(shown, wall);
  }
}

const fields = fc.record({
  minutes: values(0, 59, 4),
  hours: values(0, 23, 3),
  daysOfMonth: values(1, 31, 3),
  months: values(1, 12, 3),
  daysOfWeek: values(0, 6, 2),
});

test("in UTC, the first matching minute after any instant", () => {
  fc.assert(
    fc.property(fields, fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2100, 0, 1) }), (f, after) => {
      const expected = bruteUtc(f, after);
      if (expected === undefined) {
        expect(() => parseCron(expression(f))).toThrow("never fires");
        return;
      }
      expect(nextAfter(expression(f), new Date(after)).toISOString()).toBe(new Date(expected).toISOString());
    }),
    { numRuns: 300 },
  );
}, 30_000);

/** Two days around each clock change of 2026; Lord Howe Island moves its clock by half an hour. */
const AROUND_CHANGES: [string, string][] = [
  ["Europe/Paris", "2026-03-28"],
  ["Europe/Paris", "2026-10-24"],
  ["America/New_York", "2026-03-07"],
  ["America/New_York", "2026-10-31"],
  ["Australia/Lord_Howe", "2026-04-04"],
  ["Australia/Lord_Howe", "2026-10-03"],
];

test("across clock changes, in zones that move by an hour or half an hour", () => {
  const daily = fc.record({
    minutes: values(0, 59, 4),
    hours: values(0, 23, 3),
    daysOfMonth: fc.constant(undefined),
    months: fc.constant(undefined),
    daysOfWeek: fc.constant(undefined),
  });
  const around = fc
    .tuple(fc.constantFrom(...AROUND_CHANGES), fc.integer({ min: 0, max: 2 * 86_400_000 }))
    .map(([[zone, day], offset]) => ({ zone, after: Date.parse(`${day}T00:00:00Z`) + offset }));
  fc.assert(
    fc.property(daily, around, (f, { zone, after }) => {
      const expected = bruteZone(f, after, zone);
      expect(nextAfter(expression(f), new Date(after), zone).toISOString()).toBe(new Date(expected).toISOString());
    }),
    { numRuns: 200 },
  );
}, 30_000);
