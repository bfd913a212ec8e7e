import { civilFromDays, dayNumber, daysFromCivil, daysInMonth, isoFromDayNumber, pad2 } from "../../core/dates.ts";
import type { Rng } from "./rng.ts";

/** Dates in SPEC's five spellings, the calendar date always as written. */
export class Calendar {
  readonly asOf: number;
  /** as_of minus 3 years: the oldest sign-up and purchase. */
  readonly first: number;
  /** as_of minus 1 month: the latest sign-up. */
  readonly lastSignup: number;
  /** ISO text of every day from `first` to as_of, so clean rows format no date. */
  private readonly iso: string[] = [];

  constructor(asOf: string) {
    this.asOf = dayNumber(asOf);
    const { year, month, day } = civilFromDays(this.asOf);
    const sameDay = (y: number, m: number) => daysFromCivil(y, m, Math.min(day, daysInMonth(y, m)));
    this.first = sameDay(year - 3, month);
    this.lastSignup = month === 1 ? sameDay(year - 1, 12) : sameDay(year, month - 1);
    for (let d = this.first; d <= this.asOf; d++) this.iso.push(isoFromDayNumber(d));
  }

  isoOf(day: number): string {
    return this.iso[day - this.first] ?? isoFromDayNumber(day);
  }

  /** Mostly ISO; sometimes one of the other accepted spellings. */
  spell(day: number, rng: Rng): string {
    const iso = this.isoOf(day);
    const u = rng.float();
    if (u < 0.85) return iso;
    if (u < 0.89) return iso.replaceAll("-", "/");
    if (u < 0.93) return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
    const time = `${pad2(rng.int(24))}:${pad2(rng.int(60))}:${pad2(rng.int(60))}`;
    if (u < 0.96) return `${iso}T${time}`;
    if (u < 0.98) return `${iso} ${time}`;
    return `${iso}T${time}.${rng.between(100, 999)}${rng.pick(["Z", "+02:00", "-05:00", "+23:59"])}`;
  }

  /** Near misses of the accepted spellings: impossible days, month 13, bad separators or times. */
  invalid(day: number, rng: Rng): string {
    const iso = this.isoOf(day);
    const y = iso.slice(0, 4);
    const m = iso.slice(5, 7);
    const d = iso.slice(8, 10);
    switch (rng.int(8)) {
      case 0:
        return `${y}-02-30`;
      case 1:
        return `${y}-04-31`;
      case 2:
        return `${d}/13/${y}`;
      case 3:
        return `${y}-${m}-00`;
      case 4:
        return `${d}.${m}.${y}`;
      case 5:
        return `${y}${m}${d}`;
      case 6:
        return `${iso}T25:00:00`;
      default:
        return "unknown";
    }
  }
}
