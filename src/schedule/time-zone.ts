import { UsageError } from "../core/errors.ts";

/**
 * Wall-clock time in an IANA time zone, as the milliseconds Date.UTC gives for that calendar
 * date and time: plain arithmetic on it walks the calendar without any time zone in the way.
 */
export type WallTime = number;

export const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** A time zone's wall clock: from an instant to its wall time, and back. */
export interface TimeZone {
  readonly name: string;
  wallTime(instant: number): WallTime;
  /**
   * The instant a wall time names. A wall time skipped by a forward clock change (a DST gap)
   * gives the first whole minute after the change; one repeated by a backward change gives
   * its first occurrence, so each wall time names one instant.
   */
  instant(wall: WallTime): number;
}

const zones = new Map<string, TimeZone>();

/** The named zone ("UTC", "Europe/Paris", ...); an unknown name is a UsageError. */
export function timeZone(name: string): TimeZone {
  let zone = zones.get(name);
  if (!zone) {
    zone = intlTimeZone(name);
    zones.set(name, zone);
  }
  return zone;
}

function intlTimeZone(name: string): TimeZone {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch {
    throw new UsageError(`unknown time zone "${name}": use an IANA name such as UTC, Europe/Paris or America/New_York`);
  }

  const wallTime = (instant: number): WallTime => {
    const part: Record<string, number> = {};
    for (const { type, value } of format.formatToParts(instant)) part[type] = Number(value);
    const wall = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!);
    return wall + (((instant % 1000) + 1000) % 1000);
  };
  const offset = (instant: number) => wallTime(instant) - instant;

  const instant = (wall: WallTime): number => {
    // Offsets lie within ±14 h, so the offsets 18 h either side of the wall time are the ones
    // in force before and after any clock change that could touch it.
    const before = offset(wall - 18 * HOUR_MS);
    const after = offset(wall + 18 * HOUR_MS);
    const matches = [wall - before, wall - after].filter((candidate) => wallTime(candidate) === wall);
    if (matches.length > 0) return Math.min(...matches);
    // A gap: the first whole minute whose wall time is later than `wall`, between the instant
    // read with the later offset (still before the change) and with the earlier one (after it).
    let low = wall - after;
    let high = wall - before;
    while (high - low > MINUTE_MS) {
      const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
      if (wallTime(middle) > wall) high = middle;
      else low = middle;
    }
    return high;
  };

  return { name: format.resolvedOptions().timeZone, wallTime, instant };
}
