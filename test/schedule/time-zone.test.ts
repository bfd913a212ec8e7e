import { expect, test } from "bun:test";
import { UsageError } from "../../src/core/errors.ts";
import { timeZone } from "../../src/schedule/time-zone.ts";

const wall = (text: string) => Date.parse(`${text}Z`);
const iso = (instant: number) => new Date(instant).toISOString();

test("reads an instant on the zone's wall clock and back, offsets of whole and half hours", () => {
  const paris = timeZone("Europe/Paris");
  expect(paris.wallTime(Date.parse("2026-01-15T08:00:00.250Z"))).toBe(wall("2026-01-15T09:00:00.250"));
  expect(paris.wallTime(Date.parse("2026-07-15T08:00:00Z"))).toBe(wall("2026-07-15T10:00:00"));
  expect(iso(paris.instant(wall("2026-07-15T10:00:00")))).toBe("2026-07-15T08:00:00.000Z");
  const kolkata = timeZone("Asia/Kolkata");
  expect(iso(kolkata.instant(wall("2026-05-01T09:00:00")))).toBe("2026-05-01T03:30:00.000Z");
  expect(timeZone("UTC").wallTime(Date.parse("2026-05-01T09:00:00Z"))).toBe(wall("2026-05-01T09:00:00"));
});

test("a wall time skipped by a forward change names the first minute after the change", () => {
  const paris = timeZone("Europe/Paris");
  expect(iso(paris.instant(wall("2026-03-29T02:00:00")))).toBe("2026-03-29T01:00:00.000Z");
  expect(iso(paris.instant(wall("2026-03-29T02:59:00")))).toBe("2026-03-29T01:00:00.000Z");
  expect(iso(paris.instant(wall("2026-03-29T03:00:00")))).toBe("2026-03-29T01:00:00.000Z");
  expect(iso(paris.instant(wall("2026-03-29T01:59:00")))).toBe("2026-03-29T00:59:00.000Z");
});

test("a wall time repeated by a backward change names its first occurrence", () => {
  const newYork = timeZone("America/New_York");
  expect(iso(newYork.instant(wall("2026-11-01T01:30:00")))).toBe("2026-11-01T05:30:00.000Z");
  expect(newYork.wallTime(Date.parse("2026-11-01T06:30:00Z"))).toBe(wall("2026-11-01T01:30:00"));
  expect(iso(newYork.instant(wall("2026-11-01T02:00:00")))).toBe("2026-11-01T07:00:00.000Z");
});

test("names are IANA's, case-insensitively; an unknown one is a usage error", () => {
  expect(timeZone("europe/paris").name).toBe("Europe/Paris");
  expect(() => timeZone("Europe/Pariss")).toThrow(
    new UsageError('unknown time zone "Europe/Pariss": use an IANA name such as UTC, Europe/Paris or America/New_York'),
  );
});
