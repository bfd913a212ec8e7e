import { UsageError } from "../core/errors.ts";

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;

/** Longer waits are what calendars are for: --cron says when, and stays right across DST. */
const LONGEST_MS = 366 * UNIT_MS.d;

/**
 * Parses an --every duration: whole numbers with a unit, largest unit first, each unit once
 * ("30s", "15m", "2h", "1d", "1h30m", "1d12h"). Returns milliseconds.
 */
export function parseInterval(text: string): number {
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === "") {
    throw new UsageError(
      `interval "${text}" is not a duration: write whole numbers with units d, h, m, s, largest first, such as 30s, 15m, 2h, 1d or 1h30m`,
    );
  }
  const [, d = "0", h = "0", m = "0", s = "0"] = match;
  const ms = Number(d) * UNIT_MS.d + Number(h) * UNIT_MS.h + Number(m) * UNIT_MS.m + Number(s) * UNIT_MS.s;
  if (ms === 0) throw new UsageError(`interval "${text}" is zero: give at least 1s`);
  if (ms > LONGEST_MS) throw new UsageError(`interval "${text}" is longer than 366d: use --cron for rarer schedules`);
  return ms;
}

/**
 * Ticks `ms` apart: each one is `ms` after the one before (the scheduler asks from the tick,
 * not from when the run ended), so runs keep their rhythm whatever they last.
 */
export function everyInterval(ms: number): (after: Date) => Date {
  return (after) => new Date(after.getTime() + ms);
}
