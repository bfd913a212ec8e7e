import { UsageError } from "../core/errors.ts";
import { nextAfter, parseCron } from "./cron.ts";
import { everyInterval, parseInterval } from "./interval.ts";
import { timeZone } from "./time-zone.ts";

/** When runs start, as the command line gave it. */
export interface Schedule {
  /** As a run record's trigger and `GET /schedule` name it: "every 15m", "cron 0 * * * * UTC". */
  readonly expression: string;
  /** The first tick strictly after `after`. */
  next(after: Date): Date;
  /**
   * An interval runs at once, then at each interval after (`--every 15m` would otherwise leave
   * the data a quarter of an hour older for nothing); a cron expression runs at its times only.
   */
  runAtStart: boolean;
}

export interface ScheduleFlags {
  every?: string;
  cron?: string;
  tz?: string;
}

/** The flag's name before the parser's own message: the user sees which option to fix. */
function naming<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

/** The schedule --every or --cron (with --tz) give, or null without either. Bad values are UsageErrors naming the flag. */
export function scheduleOf(flags: ScheduleFlags): Schedule | null {
  if (flags.every !== undefined && flags.cron !== undefined) throw new UsageError("--every and --cron: give one schedule, not both");
  if (flags.tz !== undefined && flags.cron === undefined) {
    throw new UsageError("--tz: only with --cron (an --every interval counts from the start, in any zone)");
  }
  if (flags.every !== undefined) {
    const ms = naming("--every", () => parseInterval(flags.every!));
    return { expression: `every ${flags.every}`, next: everyInterval(ms), runAtStart: true };
  }
  if (flags.cron !== undefined) {
    const cron = naming("--cron", () => parseCron(flags.cron!));
    const zone = naming("--tz", () => timeZone(flags.tz ?? "UTC")).name;
    return { expression: `cron ${cron.expression.trim()} ${zone}`, next: (after) => nextAfter(cron, after, zone), runAtStart: false };
  }
  return null;
}
