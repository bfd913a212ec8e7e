import { describe, expect, test } from "bun:test";
import {
  WEEKDAY_NAMES,
  civilFromDays,
  dayNumber,
  daysInMonth,
  isoFromDayNumber,
  isoWeek,
  isoWeekLabel,
  mondayOf,
  quarter,
  weekdayIndex,
} from "../../src/core/dates.ts";

describe("dayNumber and isoFromDayNumber", () => {
  test("known day numbers, worked out by hand", () => {
    expect(dayNumber("1970-01-01")).toBe(0);
    expect(dayNumber("1970-01-02")).toBe(1);
    expect(dayNumber("1969-12-31")).toBe(-1);
    // 30 years of 365 days + 7 leap days (1972..1996) = 10957; + 31 (Jan) + 29 (Feb 2000).
    expect(dayNumber("2000-01-01")).toBe(10957);
    expect(dayNumber("2000-03-01")).toBe(11017);
    // 1969 years of 365 days + 492 − 19 + 4 leap days.
    expect(dayNumber("0001-01-01")).toBe(-719162);
    // 8030 years of 365 days + 1947 leap days (2424 in 1..9999 minus 477 in 1..1969), minus one.
    expect(dayNumber("9999-12-31")).toBe(2932896);
  });

  test("round trips at the ends of the range and around leap days", () => {
    for (const iso of ["0001-01-01", "1970-01-01", "9999-12-31", "2024-02-29", "2000-02-29", "1600-02-29"]) {
      expect(isoFromDayNumber(dayNumber(iso))).toBe(iso);
    }
    expect(isoFromDayNumber(dayNumber("2024-02-28") + 1)).toBe("2024-02-29");
    expect(isoFromDayNumber(dayNumber("2023-02-28") + 1)).toBe("2023-03-01");
    expect(isoFromDayNumber(dayNumber("1900-02-28") + 1)).toBe("1900-03-01");
    expect(isoFromDayNumber(dayNumber("2000-02-28") + 1)).toBe("2000-02-29");
    expect(isoFromDayNumber(dayNumber("2100-02-28") + 1)).toBe("2100-03-01");
    expect(isoFromDayNumber(dayNumber("0004-12-31") + 1)).toBe("0005-01-01");
  });

  test("agrees with the platform's proleptic UTC calendar across years 1..9999", () => {
    const oracle = new Date(0);
    for (let n = -719162; n <= 2932896; n += 997) {
      oracle.setTime(n * 86_400_000);
      const c = civilFromDays(n);
      expect([c.year, c.month, c.day]).toEqual([
        oracle.getUTCFullYear(),
        oracle.getUTCMonth() + 1,
        oracle.getUTCDate(),
      ]);
      expect(dayNumber(isoFromDayNumber(n))).toBe(n);
    }
  });

  test("days in February", () => {
    expect([1900, 2000, 2023, 2024].map((y) => daysInMonth(y, 2))).toEqual([28, 29, 28, 29]);
    expect(daysInMonth(2023, 4)).toBe(30);
    expect(daysInMonth(2023, 12)).toBe(31);
  });
});

describe("weeks", () => {
  const weekday = (iso: string) => WEEKDAY_NAMES[weekdayIndex(dayNumber(iso))];

  test("weekdays of known dates", () => {
    expect(weekday("1970-01-01")).toBe("Thursday");
    expect(weekday("1969-12-29")).toBe("Monday");
    expect(weekday("2000-01-01")).toBe("Saturday");
    expect(weekday("2024-01-01")).toBe("Monday");
    expect(weekday("2024-12-29")).toBe("Sunday");
    expect(weekday("0001-01-01")).toBe("Monday");
  });

  test("ISO 8601 week-year and week around new year", () => {
    const week = (iso: string) => isoWeek(dayNumber(iso));
    expect(week("2020-12-31")).toEqual({ year: 2020, week: 53 });
    expect(week("2021-01-03")).toEqual({ year: 2020, week: 53 });
    expect(week("2021-01-04")).toEqual({ year: 2021, week: 1 });
    expect(week("2024-12-29")).toEqual({ year: 2024, week: 52 });
    expect(week("2024-12-30")).toEqual({ year: 2025, week: 1 });
    expect(week("2026-01-01")).toEqual({ year: 2026, week: 1 });
    expect(week("2015-12-31")).toEqual({ year: 2015, week: 53 });
    expect(week("2024-06-15")).toEqual({ year: 2024, week: 24 });
  });

  test("week labels", () => {
    expect(isoWeekLabel(dayNumber("2021-01-03"))).toBe("2020-W53");
    expect(isoWeekLabel(dayNumber("2024-12-30"))).toBe("2025-W01");
    expect(isoWeekLabel(dayNumber("2024-06-15"))).toBe("2024-W24");
  });

  test("the Monday of a week", () => {
    expect(isoFromDayNumber(mondayOf(dayNumber("2024-12-31")))).toBe("2024-12-30");
    expect(isoFromDayNumber(mondayOf(dayNumber("2024-12-30")))).toBe("2024-12-30");
    expect(isoFromDayNumber(mondayOf(dayNumber("2021-01-03")))).toBe("2020-12-28");
    expect(isoFromDayNumber(mondayOf(dayNumber("1970-01-01")))).toBe("1969-12-29");
  });
});

test("quarters", () => {
  expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(quarter)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
});
