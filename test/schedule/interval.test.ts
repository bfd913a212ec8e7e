import { expect, test } from "bun:test";
import { UsageError } from "../../src/core/errors.ts";
import { everyInterval, parseInterval } from "../../src/schedule/interval.ts";

test("a whole number and a unit, or several units largest first", () => {
  expect(parseInterval("30s")).toBe(30_000);
  expect(parseInterval("15m")).toBe(900_000);
  expect(parseInterval("2h")).toBe(7_200_000);
  expect(parseInterval("1d")).toBe(86_400_000);
  expect(parseInterval("1h30m")).toBe(5_400_000);
  expect(parseInterval("1d2h3m4s")).toBe(93_784_000);
  expect(parseInterval("90m")).toBe(5_400_000);
  expect(parseInterval("366d")).toBe(366 * 86_400_000);
});

const NOT_A_DURATION =
  "is not a duration: write whole numbers with units d, h, m, s, largest first, such as 30s, 15m, 2h, 1d or 1h30m";

test("anything else is a usage error naming the value", () => {
  for (const text of ["", "15", "m", "15x", "1.5h", "-5m", "30m1h", "1h1h", "15M", " 15m", "1h 30m", "15min", "500ms"]) {
    expect(() => parseInterval(text)).toThrow(new UsageError(`interval "${text}" ${NOT_A_DURATION}`));
  }
  expect(() => parseInterval("0s")).toThrow(new UsageError('interval "0s" is zero: give at least 1s'));
  expect(() => parseInterval("0h0m")).toThrow(new UsageError('interval "0h0m" is zero: give at least 1s'));
  expect(() => parseInterval("367d")).toThrow(
    new UsageError('interval "367d" is longer than 366d: use --cron for rarer schedules'),
  );
});

test("each tick comes one interval after the one it is asked from", () => {
  const next = everyInterval(900_000);
  expect(next(new Date("2026-05-01T10:00:00Z")).toISOString()).toBe("2026-05-01T10:15:00.000Z");
  expect(next(new Date("2026-05-01T10:07:30.500Z")).toISOString()).toBe("2026-05-01T10:22:30.500Z");
});
