import { existsSync } from "node:fs";
import { z } from "zod";
import { UsageError } from "../core/errors.ts";
import { didYouMean } from "../ui/suggest.ts";
import { flag, flags } from "./command.ts";
import { dayNumber, isoFromDayNumber } from "../core/dates.ts";

/** Shared option schemas: parsed once here, so commands trust their options. */

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date YYYY-MM-DD")
  .refine((s) => {
    const day = dayNumber(s);
    return Number.isFinite(day) && isoFromDayNumber(day) === s;
  }, "expected a real calendar date YYYY-MM-DD");

export const todayUtc = () => new Date().toISOString().slice(0, 10);

/** A whole number from `min` to `max`: one message for every way a value misses it (0, -1, 2.5, x). */
export function wholeNumber(min: number, max: number) {
  const message = `expected a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
}

/** The retry budget of the commands that only look at the lake (runs, logs, checks): an answer within seconds. */
export const LOOKING_RETRY_MS = 3000;

/** An option's key as the command line spells it: `asOf` is `as-of`. */
export const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** zod's own wording, which a declaration's message replaces: `Too small: expected number to be >=1`. */
const ZOD_WORDING = /^(Too small|Too big|Invalid)/;

/** What a value must be, in words a user acts on: the declaration's message, or one made from the issue. */
function expected(issue: z.core.$ZodIssue, typed: unknown): string {
  if (!ZOD_WORDING.test(issue.message)) return issue.message;
  switch (issue.code) {
    case "invalid_value":
      return `expected one of ${issue.values.map(String).join(", ")}${typeof typed === "string" ? didYouMean(typed, issue.values.map(String)) : ""}`;
    case "too_small":
      return issue.origin === "number" || issue.origin === "int" ? `expected at least ${issue.minimum}` : issue.message;
    case "too_big":
      return issue.origin === "number" || issue.origin === "int" ? `expected at most ${issue.maximum}` : issue.message;
    case "invalid_type":
      return issue.expected === "int" || issue.expected === "number" ? "expected a number" : issue.message;
    default:
      return issue.message;
  }
}

/**
 * Validates cac's raw options; the first problem becomes a UsageError naming the option as the
 * user typed it (`--limit 0`, or the argument `layer "sliver"`) and what is allowed.
 */
export function parseOptions<S extends z.ZodObject>(schema: S, raw: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? "");
  if (!key) throw new UsageError(issue.message);
  const typed = raw[key];
  const said = expected(issue, typed);
  // The value as typed, unless the message already quotes it.
  const plain = typeof typed === "string" || typeof typed === "number" ? String(typed) : "";
  const shown = plain === "" || said.includes(`"${plain}"`) ? "" : ` ${JSON.stringify(typed)}`;
  const field = schema.shape[key] as z.ZodType | undefined;
  const what = field && flags.has(field) ? `--${kebab(key)}${shown.replace(/^ "(.*)"$/, " $1")}` : `${key}${shown}`;
  throw new UsageError(`${what}: ${said}`);
}

/** A schedule's options, the same for `elt run --all` and `elt serve` (schedule/schedule.ts reads them). */
export const scheduleFlags = {
  every: flag(z.string().optional(), "Run again at each interval until stopped (30s, 15m, 2h, 1h30m): a foreground scheduler", "<duration>"),
  cron: flag(z.string().optional(), 'Run at the times of a 5-field cron expression, e.g. "0 * * * *" (UTC unless --tz)', "<expr>"),
  tz: flag(z.string().optional(), "The time zone --cron reads its times in (an IANA name, e.g. Europe/Paris)", "<zone>"),
};

/** Every tick of a schedule without its sources folder would fail the same way, unattended: said once, before anything runs. */
export function requireSourcesFolder(schedule: string, dir: string): void {
  if (existsSync(dir)) return;
  throw new UsageError(`${schedule}: no folder ${dir} (--sources) to read the sources from; create it, or \`elt generate --out ${dir}\` for sample data`);
}
