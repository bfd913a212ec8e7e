import type { CheckResult } from "./checks.ts";
import type { CheckName } from "./thresholds.ts";

/** Checks in words, for the terminal, logs, errors and alerts: `achats reject rate 94.1 % > 50 % (error)`. */

const LABELS: Record<CheckName, string> = {
  reject_rate: "reject rate",
  kept_rows: "rows kept vs the last publish",
  no_purchase_kept: "purchases kept",
  orphan_rate: "orphan purchases",
  gold_reconciliation: "aggregates vs kpis, relative difference",
  freshness: "days from the latest purchase to as_of",
};

/**
 * A measure with one decimal for percentages; a bound as it was set (`50 %`, `7.5 %`). Written
 * here rather than with ui/'s formats: the quality module is below the terminal's, and its
 * figures never reach the thousands that want separators.
 */
function value(r: CheckResult, v: number, asSet = false): string {
  if (r.unit === "%") return `${asSet && Number.isInteger(v) ? v : v.toFixed(1)} %`;
  if (r.check === "gold_reconciliation") return v === 0 ? "0" : v.toExponential(1);
  return String(Math.round(v));
}

/** One line for a check: what was measured, and against which bound when it warned or failed. */
export function checkLine(r: CheckResult): string {
  const label = `${r.subject === "gold" ? "" : `${r.subject} `}${LABELS[r.check]}`;
  if (r.value === null) return `${label}: skipped (${r.note ?? "nothing to measure"})`;
  const crossed = r.outcome === "failed" ? r.error : r.outcome === "warned" ? r.warn : false;
  if (crossed === false) return `${label} ${value(r, r.value)}`;
  const level = r.outcome === "failed" ? "error" : "warn";
  return `${label} ${value(r, r.value)} ${r.fails === "above" ? ">" : "<"} ${value(r, crossed, true)} (${level})${r.note ? `: ${r.note}` : ""}`;
}
