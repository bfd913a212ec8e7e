import { z } from "zod";
import { ConfigError } from "../core/errors.ts";

/**
 * The quality checks' thresholds: built-in defaults, then the project file's `[quality]`
 * section, then `--check NAME.LEVEL=VALUE` flags. Each check has a `warn` and an `error`
 * level; `false` turns a level off, `enabled = false` the whole check.
 */

export const CHECK_NAMES = ["reject_rate", "kept_rows", "no_purchase_kept", "orphan_rate", "gold_reconciliation", "freshness"] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** A level's bound, or false when that level is off. */
export type Bound = number | false;

export interface CheckThresholds {
  enabled: boolean;
  warn: Bound;
  error: Bound;
}

export type Thresholds = Record<CheckName, CheckThresholds>;

/** What each bound means, for messages and docs: the unit, and which side of it fails. */
export const CHECK_RULES: Record<CheckName, { unit: "%" | "days" | ""; fails: "above" | "below"; about: string }> = {
  reject_rate: { unit: "%", fails: "above", about: "rows rejected / rows read, per dataset" },
  kept_rows: { unit: "%", fails: "below", about: "rows kept against the last published run, per dataset" },
  no_purchase_kept: { unit: "", fails: "below", about: "purchases kept (at least 1)" },
  orphan_rate: { unit: "%", fails: "above", about: "purchases whose client is not among the kept clients" },
  gold_reconciliation: { unit: "", fails: "above", about: "largest relative difference between the aggregates' totals and kpis" },
  freshness: { unit: "days", fails: "above", about: "days from the latest purchase to as_of" },
};

export const DEFAULT_THRESHOLDS: Thresholds = {
  reject_rate: { enabled: true, warn: 5, error: 50 },
  kept_rows: { enabled: true, warn: 90, error: 50 },
  no_purchase_kept: { enabled: true, warn: false, error: 1 },
  orphan_rate: { enabled: true, warn: 5, error: false },
  // Sums of doubles in another order differ by rounding only: a relative 1e-9 is far above that.
  gold_reconciliation: { enabled: true, warn: false, error: 1e-9 },
  freshness: { enabled: true, warn: 7, error: false },
};

const BOUND = "expected a non-negative number, or false to turn the level off";
const bound = z.union([z.number(BOUND).finite(BOUND).nonnegative(BOUND), z.literal(false, BOUND)], { error: BOUND });

const checkSection = z
  .object({ enabled: z.boolean({ error: "expected true or false" }), warn: bound, error: bound })
  .partial()
  .strict();

export const qualitySection = z.object(Object.fromEntries(CHECK_NAMES.map((n) => [n, checkSection.optional()]))).strict();
export type QualitySection = z.output<typeof qualitySection>;

/** Defaults with a project file's `[quality]` section and then flag overrides laid over them. */
export function resolveThresholds(file: QualitySection = {}, overrides: readonly string[] = []): Thresholds {
  const out = structuredClone(DEFAULT_THRESHOLDS);
  for (const name of CHECK_NAMES) Object.assign(out[name], file[name] ?? {});
  for (const flag of overrides) {
    const { name, level, value } = parseOverride(flag);
    if (level === "enabled") out[name].enabled = value as boolean;
    else out[name][level] = value as Bound;
  }
  return out;
}

/** `reject_rate.error=60`, `freshness.warn=off`, `orphan_rate.enabled=false`. */
function parseOverride(flag: string): { name: CheckName; level: "warn" | "error" | "enabled"; value: Bound | boolean } {
  const m = /^([a-z_]+)\.(warn|error|enabled)=(.*)$/.exec(flag.trim());
  const usage = `--check ${flag}: expected NAME.LEVEL=VALUE, LEVEL warn, error or enabled (e.g. --check reject_rate.error=60)`;
  if (!m) throw new ConfigError(usage);
  const [, name, level, raw] = m as unknown as [string, string, "warn" | "error" | "enabled", string];
  if (!(CHECK_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(`--check ${flag}: no check named ${name} (checks: ${CHECK_NAMES.join(", ")})`);
  }
  const word = raw.trim().toLowerCase();
  if (level === "enabled") {
    if (word !== "true" && word !== "false") throw new ConfigError(`--check ${flag}: expected true or false`);
    return { name: name as CheckName, level, value: word === "true" };
  }
  if (word === "off" || word === "false") return { name: name as CheckName, level, value: false };
  const value = word === "" ? Number.NaN : Number(word);
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`--check ${flag}: expected a non-negative number, or off`);
  return { name: name as CheckName, level, value };
}
