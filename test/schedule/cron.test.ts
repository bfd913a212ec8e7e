import { describe, expect, test } from "bun:test";
import { UsageError } from "../../src/core/errors.ts";
import { nextAfter, parseCron } from "../../src/schedule/cron.ts";

/** The next `count` firings after `from`, each asked from the one before, as ISO instants. */
function firings(expression: string, from: string, count: number, zone?: string): string[] {
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < count; i++) {
    at = nextAfter(expression, at, zone);
    out.push(at.toISOString().replace(":00.000Z", "Z"));
  }
  return out;
}

const sorted = (values: ReadonlySet<number>) => [...values].sort((a, b) => a - b);

describe("field forms", () => {
  test("* takes every value of its field", () => {
    const cron = parseCron("* * * * *");
    expect(sorted(cron.minutes)).toEqual([...Array(60).keys()]);
    expect(sorted(cron.hours)).toEqual([...Array(24).keys()]);
    expect(sorted(cron.daysOfMonth)).toEqual([...Array(31).keys()].map((i) => i + 1));
    expect(sorted(cron.months)).toEqual([...Array(12).keys()].map((i) => i + 1));
    expect(sorted(cron.daysOfWeek)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(firings("* * * * *", "2026-05-01T10:00:30Z", 3)).toEqual([
      "2026-05-01T10:01Z",
      "2026-05-01T10:02Z",
      "2026-05-01T10:03Z",
    ]);
  });

  test("numbers, lists, ranges and steps", () => {
    expect(sorted(parseCron("7 * * * *").minutes)).toEqual([7]);
    expect(sorted(parseCron("1,5,59 * * * *").minutes)).toEqual([1, 5, 59]);
    expect(sorted(parseCron("* 9-12 * * *").hours)).toEqual([9, 10, 11, 12]);
    expect(sorted(parseCron("*/15 * * * *").minutes)).toEqual([0, 15, 30, 45]);
    expect(sorted(parseCron("10-50/20 * * * *").minutes)).toEqual([10, 30, 50]);
    expect(sorted(parseCron("* * */10 * *").daysOfMonth)).toEqual([1, 11, 21, 31]);
    expect(sorted(parseCron("0,30-32,50-59/5 * * * *").minutes)).toEqual([0, 30, 31, 32, 50, 55]);
    expect(sorted(parseCron("* * * */5 *").months)).toEqual([1, 6, 11]);
    expect(sorted(parseCron("07 * * * *").minutes)).toEqual([7]);
  });

  test("the next firing is strictly after the given instant, at the minute's start", () => {
    expect(firings("0 10 * * *", "2026-05-01T10:00:00Z", 1)).toEqual(["2026-05-02T10:00Z"]);
    expect(firings("0 10 * * *", "2026-05-01T09:59:59.999Z", 1)).toEqual(["2026-05-01T10:00Z"]);
    const parsed = parseCron("0 10 * * *");
    expect(nextAfter(parsed, new Date("2026-05-01T10:00:00Z"), "Europe/Paris").toISOString()).toBe("2026-05-02T08:00:00.000Z");
    expect(firings("10-50/20 9-10 * * *", "2026-05-01T09:30:00Z", 4)).toEqual([
      "2026-05-01T09:50Z",
      "2026-05-01T10:10Z",
      "2026-05-01T10:30Z",
      "2026-05-01T10:50Z",
    ]);
  });

  test("month and weekday names, in any case, alone, in lists and in ranges", () => {
    expect(sorted(parseCron("* * * jan,Jul,DEC *").months)).toEqual([1, 7, 12]);
    expect(sorted(parseCron("* * * MAR-may *").months)).toEqual([3, 4, 5]);
    expect(sorted(parseCron("* * * * MON-FRI").daysOfWeek)).toEqual([1, 2, 3, 4, 5]);
    expect(sorted(parseCron("* * * * sun,Sat").daysOfWeek)).toEqual([0, 6]);
    expect(firings("0 0 1 jan,Jul *", "2026-03-01T00:00:00Z", 3)).toEqual([
      "2026-07-01T00:00Z",
      "2027-01-01T00:00Z",
      "2027-07-01T00:00Z",
    ]);
  });

  test("0 and 7 are both Sunday", () => {
    // 2026-03-01 is a Sunday.
    const sundays = ["2026-03-08T00:00Z", "2026-03-15T00:00Z"];
    for (const sunday of ["0", "7", "SUN", "sun"]) {
      expect(firings(`0 0 * * ${sunday}`, "2026-03-01T00:00:00Z", 2)).toEqual(sundays);
    }
    expect(sorted(parseCron("* * * * 5-7").daysOfWeek)).toEqual([0, 5, 6]);
    expect(sorted(parseCron("* * * * 0-7").daysOfWeek)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  test("fields may be split by several spaces or tabs", () => {
    expect(firings("  5\t4  *  * *  ", "2026-05-01T00:00:00Z", 1)).toEqual(["2026-05-01T04:05Z"]);
  });
});

describe("day-of-month and day-of-week", () => {
  test("both restricted: a day matches when either does", () => {
    // April 2026: Fridays 3, 10, 17, 24; the 13th is a Monday.
    expect(parseCron("0 0 13 * FRI").eitherDay).toBe(true);
    expect(firings("0 0 13 * FRI", "2026-04-01T00:00:00Z", 5)).toEqual([
      "2026-04-03T00:00Z",
      "2026-04-10T00:00Z",
      "2026-04-13T00:00Z",
      "2026-04-17T00:00Z",
      "2026-04-24T00:00Z",
    ]);
  });

  test("one of them unrestricted: the other one alone decides", () => {
    expect(firings("0 0 13 * *", "2026-04-01T00:00:00Z", 2)).toEqual(["2026-04-13T00:00Z", "2026-05-13T00:00Z"]);
    expect(firings("0 0 * * FRI", "2026-04-01T00:00:00Z", 2)).toEqual(["2026-04-03T00:00Z", "2026-04-10T00:00Z"]);
  });

  test("a day field starting with * counts as unrestricted, as in Vixie cron: */2 with MON is odd Mondays", () => {
    expect(parseCron("0 0 */2 * MON").eitherDay).toBe(false);
    // Mondays of April-May 2026: 6, 13, 20, 27, 4, 11.
    expect(firings("0 0 */2 * MON", "2026-04-01T00:00:00Z", 3)).toEqual([
      "2026-04-13T00:00Z",
      "2026-04-27T00:00Z",
      "2026-05-11T00:00Z",
    ]);
  });

  test("February 29 fires in leap years only, and 2100 is not one", () => {
    expect(firings("0 0 29 2 *", "2026-01-01T00:00:00Z", 2)).toEqual(["2028-02-29T00:00Z", "2032-02-29T00:00Z"]);
    expect(firings("0 0 29 FEB *", "2096-03-01T00:00:00Z", 1)).toEqual(["2104-02-29T00:00Z"]);
  });

  test("day 31 is skipped in months that have 30 days or fewer", () => {
    expect(firings("0 0 31 * *", "2026-01-01T00:00:00Z", 7)).toEqual([
      "2026-01-31T00:00Z",
      "2026-03-31T00:00Z",
      "2026-05-31T00:00Z",
      "2026-07-31T00:00Z",
      "2026-08-31T00:00Z",
      "2026-10-31T00:00Z",
      "2026-12-31T00:00Z",
    ]);
    expect(firings("0 0 30 * *", "2026-01-31T00:00:00Z", 1)).toEqual(["2026-03-30T00:00Z"]);
  });
});

describe("time zones", () => {
  test("UTC by default; another zone reads the expression on its wall clock", () => {
    expect(firings("0 9 * * *", "2026-05-01T00:00:00Z", 1)).toEqual(["2026-05-01T09:00Z"]);
    expect(firings("0 9 * * *", "2026-05-01T00:00:00Z", 1, "Asia/Kolkata")).toEqual(["2026-05-01T03:30Z"]);
    expect(firings("0 9 * * *", "2026-01-15T00:00:00Z", 1, "Europe/Paris")).toEqual(["2026-01-15T08:00Z"]);
    expect(firings("0 9 * * *", "2026-07-15T00:00:00Z", 1, "Europe/Paris")).toEqual(["2026-07-15T07:00Z"]);
  });

  test("the day comes from the zone's calendar, not UTC's", () => {
    // 2026-05-01T02:00Z is still April 30 (a Thursday) in New York.
    expect(firings("0 23 * * THU", "2026-04-30T12:00:00Z", 1, "America/New_York")).toEqual(["2026-05-01T03:00Z"]);
    expect(firings("0 23 30 * *", "2026-04-30T12:00:00Z", 1, "America/New_York")).toEqual(["2026-05-01T03:00Z"]);
  });

  // Paris: 2026-03-29 02:00 CET jumps to 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST falls back
  // to 02:00 CET (01:00Z), so 02:00-02:59 comes twice.
  test("Europe/Paris spring forward: a skipped time fires at the first minute after the jump", () => {
    expect(firings("30 2 * * *", "2026-03-28T12:00:00Z", 2, "Europe/Paris")).toEqual([
      "2026-03-29T01:00Z",
      "2026-03-30T00:30Z",
    ]);
    // 02:00, 02:20 and 02:40 do not exist that night; with 03:00 they fire once, at 03:00.
    expect(firings("*/20 * * * *", "2026-03-29T00:30:00Z", 3, "Europe/Paris")).toEqual([
      "2026-03-29T00:40Z",
      "2026-03-29T01:00Z",
      "2026-03-29T01:20Z",
    ]);
  });

  test("Europe/Paris fall back: a repeated time fires once, at its first occurrence", () => {
    expect(firings("30 2 * * *", "2026-10-24T12:00:00Z", 2, "Europe/Paris")).toEqual([
      "2026-10-25T00:30Z",
      "2026-10-26T01:30Z",
    ]);
    expect(firings("0 * * * *", "2026-10-24T23:30:00Z", 3, "Europe/Paris")).toEqual([
      "2026-10-25T00:00Z",
      "2026-10-25T02:00Z",
      "2026-10-25T03:00Z",
    ]);
    // Asked from inside the second 02:00-02:59, the 02:30 that already fired is not fired again.
    expect(firings("30 2 * * *", "2026-10-25T01:10:00Z", 1, "Europe/Paris")).toEqual(["2026-10-26T01:30Z"]);
  });

  // New York: 2026-03-08 02:00 EST jumps to 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT falls back
  // to 01:00 EST (06:00Z), so 01:00-01:59 comes twice.
  test("America/New_York spring forward and fall back", () => {
    expect(firings("30 2 * * *", "2026-03-07T12:00:00Z", 2, "America/New_York")).toEqual([
      "2026-03-08T07:00Z",
      "2026-03-09T06:30Z",
    ]);
    expect(firings("30 1 * * *", "2026-10-31T12:00:00Z", 2, "America/New_York")).toEqual([
      "2026-11-01T05:30Z",
      "2026-11-02T06:30Z",
    ]);
    expect(firings("*/30 1-2 * * *", "2026-11-01T05:00:00Z", 4, "America/New_York")).toEqual([
      "2026-11-01T05:30Z",
      "2026-11-01T07:00Z",
      "2026-11-01T07:30Z",
      "2026-11-02T06:00Z",
    ]);
  });

  test("an unknown time zone is a usage error naming it", () => {
    expect(() => nextAfter("* * * * *", new Date(), "Mars/Olympus")).toThrow(
      new UsageError('unknown time zone "Mars/Olympus": use an IANA name such as UTC, Europe/Paris or America/New_York'),
    );
  });
});

describe("bad expressions", () => {
  const FORMS = "*, lists like 1,5, ranges like 1-5, steps like */15 or 10-50/5";
  const cases: [string, string][] = [
    ["* * * *", 'cron expression "* * * *" has 4 fields; expected 5: minute hour day-of-month month day-of-week'],
    ["", 'cron expression "" has 0 fields; expected 5: minute hour day-of-month month day-of-week'],
    ["* * * * * *", 'cron expression "* * * * * *" has 6 fields; expected 5: minute hour day-of-month month day-of-week'],
    ["60 * * * *", `cron expression "60 * * * *": minute 60 is out of range 0-59 (minute takes 0-59; ${FORMS})`],
    ["* 24 * * *", `cron expression "* 24 * * *": hour 24 is out of range 0-23 (hour takes 0-23; ${FORMS})`],
    ["* * 0 * *", `cron expression "* * 0 * *": day-of-month 0 is out of range 1-31 (day-of-month takes 1-31; ${FORMS})`],
    ["* * * 13 *", `cron expression "* * * 13 *": month 13 is out of range 1-12 (month takes 1-12 or JAN-DEC; ${FORMS})`],
    [
      "* * * * 8",
      `cron expression "* * * * 8": day-of-week 8 is out of range 0-7 (day-of-week takes 0-7 or SUN-SAT, 0 and 7 both Sunday; ${FORMS})`,
    ],
    ["* * * JANUARY *", `cron expression "* * * JANUARY *": month "JANUARY" is not a value (month takes 1-12 or JAN-DEC; ${FORMS})`],
    ["MON * * * *", `cron expression "MON * * * *": minute "MON" is not a value (minute takes 0-59; ${FORMS})`],
    ["* * * * FRI-MON", `cron expression "* * * * FRI-MON": day-of-week range "FRI-MON" runs backwards (day-of-week takes 0-7 or SUN-SAT, 0 and 7 both Sunday; ${FORMS})`],
    ["5/15 * * * *", `cron expression "5/15 * * * *": minute "5/15" steps from a single value: write 5-59/15 (minute takes 0-59; ${FORMS})`],
    ["*/0 * * * *", `cron expression "*/0 * * * *": minute step "0" is not a whole number of at least 1 (minute takes 0-59; ${FORMS})`],
    ["*/x * * * *", `cron expression "*/x * * * *": minute step "x" is not a whole number of at least 1 (minute takes 0-59; ${FORMS})`],
    ["*/5/2 * * * *", `cron expression "*/5/2 * * * *": minute "*/5/2" has more than one step (minute takes 0-59; ${FORMS})`],
    ["1-2-3 * * * *", `cron expression "1-2-3 * * * *": minute "1-2-3" is not a range (minute takes 0-59; ${FORMS})`],
    ["1,,2 * * * *", `cron expression "1,,2 * * * *": minute "" is not a value (minute takes 0-59; ${FORMS})`],
    ["-5 * * * *", `cron expression "-5 * * * *": minute "" is not a value (minute takes 0-59; ${FORMS})`],
    ["0 0 30 2 *", 'cron expression "0 0 30 2 *" never fires: none of its months has day 30'],
    ["0 0 31 APR,JUN,SEP,NOV *", 'cron expression "0 0 31 APR,JUN,SEP,NOV *" never fires: none of its months has day 31'],
  ];
  for (const [expression, message] of cases) {
    test(`"${expression}"`, () => {
      expect(() => parseCron(expression)).toThrow(new UsageError(message));
      expect(() => parseCron(expression)).toThrow(UsageError);
    });
  }

  test("a day that no month has still fires when the weekday field can match (OR rule)", () => {
    expect(firings("0 0 30 2 MON", "2026-02-01T00:00:00Z", 1)).toEqual(["2026-02-02T00:00Z"]);
  });

  test("the error is a usage error: exit code 2", () => {
    try {
      parseCron("61 * * * *");
      throw new Error("expected a usage error");
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
    }
  });
});
