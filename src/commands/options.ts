import { z } from "zod";
import { UsageError } from "../errors.ts";
import { dayNumber, isoFromDayNumber } from "../pipeline/dates.ts";

/** Shared option schemas: parsed once here, so commands trust their options. */

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date YYYY-MM-DD")
  .refine((s) => {
    const day = dayNumber(s);
    return Number.isFinite(day) && isoFromDayNumber(day) === s;
  }, "expected a real calendar date YYYY-MM-DD");

export const todayUtc = () => new Date().toISOString().slice(0, 10);

/** An option's key as the command line spells it: `asOf` is `as-of`. */
export const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Validates cac's raw options; the first problem becomes a UsageError naming the option. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = kebab(issue.path.map(String).join("."));
  throw new UsageError(name ? `--${name}: ${issue.message}` : issue.message);
}
