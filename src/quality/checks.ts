import type { SilverSummary } from "../contract/silver-tables.ts";
import { dayNumber } from "../core/dates.ts";
import { CHECK_RULES, type Bound, type CheckName, type Thresholds } from "./thresholds.ts";

/**
 * The audit of write–audit–publish: checks evaluated on the numbers a run already has, before
 * it publishes. A failed `error` check stops the publish; a `warn` never does.
 */

export type Outcome = "passed" | "warned" | "failed" | "skipped";

export interface CheckResult {
  check: CheckName;
  /** What was measured: a dataset (clients, achats) or gold. */
  subject: string;
  /** The measure, in the check's unit; null when it could not be measured (skipped). */
  value: number | null;
  unit: string;
  /** The bounds in force for this run. */
  warn: Bound;
  error: Bound;
  /** Which side of a bound fails. */
  fails: "above" | "below";
  outcome: Outcome;
  /** Why a check was skipped, or which part failed. */
  note?: string;
}

/** The outcome of one value against a check's bounds. */
function judge(name: CheckName, subject: string, value: number | null, t: Thresholds, note?: string): CheckResult {
  const { unit, fails } = CHECK_RULES[name];
  const { warn, error } = t[name];
  const crosses = (b: Bound) => b !== false && value !== null && (fails === "above" ? value > b : value < b);
  const outcome: Outcome = value === null ? "skipped" : crosses(error) ? "failed" : crosses(warn) ? "warned" : "passed";
  return { check: name, subject, value, unit, warn, error, fails, outcome, ...(note ? { note } : {}) };
}

const percent = (part: number, whole: number) => (part / whole) * 100;

/** Silver's checks: reject rates, kept rows against the last publish, purchases kept, orphans. */
export function silverChecks(now: SilverSummary, previous: SilverSummary | null, t: Thresholds): CheckResult[] {
  const out: CheckResult[] = [];
  for (const dataset of ["clients", "achats"] as const) {
    const { rows_in, kept } = now[dataset];
    if (t.reject_rate.enabled) {
      out.push(rows_in === 0 ? judge("reject_rate", dataset, null, t, "no rows read") : judge("reject_rate", dataset, percent(rows_in - kept, rows_in), t));
    }
    if (t.kept_rows.enabled) {
      const before = previous?.[dataset].kept;
      out.push(
        before === undefined
          ? judge("kept_rows", dataset, null, t, "no earlier publish to compare with")
          : before === 0
            ? judge("kept_rows", dataset, null, t, "the last publish kept no rows")
            : judge("kept_rows", dataset, percent(kept, before), t, `${kept} kept now, ${before} in the last publish`),
      );
    }
  }
  if (t.no_purchase_kept.enabled) out.push(judge("no_purchase_kept", "achats", now.achats.kept, t));
  if (t.orphan_rate.enabled) {
    const { kept, orphans } = now.achats;
    out.push(kept === 0 ? judge("orphan_rate", "achats", null, t, "no purchase kept") : judge("orphan_rate", "achats", percent(orphans, kept), t));
  }
  return out;
}

/** What gold's reconciliation and freshness read: totals the build has already computed. */
export interface GoldFigures {
  kpis: { ca_total: number; nb_achats_total: number };
  /** Σ ca_total and Σ nb_achats over each aggregate table's rows. */
  totals: Record<string, { ca_total: number; nb_achats: number }>;
  /** The latest date_achat in fact, YYYY-MM-DD; null when no purchase is kept. */
  latestPurchase: string | null;
  asOf: string;
}

/** Gold's checks: every aggregate adds up to kpis, and the data is recent enough. */
export function goldChecks(g: GoldFigures, t: Thresholds): CheckResult[] {
  const out: CheckResult[] = [];
  if (t.gold_reconciliation.enabled) {
    let worst = 0;
    let where = "";
    for (const [table, total] of Object.entries(g.totals)) {
      const pairs: [string, number, number][] = [
        ["ca_total", total.ca_total, g.kpis.ca_total],
        ["nb_achats", total.nb_achats, g.kpis.nb_achats_total],
      ];
      for (const [column, sum, kpi] of pairs) {
        const diff = Math.abs(sum - kpi) / Math.max(Math.abs(kpi), 1);
        if (diff > worst) [worst, where] = [diff, `Σ ${table}.${column} = ${sum}, kpis says ${kpi}`];
      }
    }
    out.push(judge("gold_reconciliation", "gold", worst, t, where || undefined));
  }
  if (t.freshness.enabled) {
    out.push(
      g.latestPurchase === null
        ? judge("freshness", "gold", null, t, "no purchase kept")
        : judge("freshness", "gold", dayNumber(g.asOf) - dayNumber(g.latestPurchase), t, `latest purchase ${g.latestPurchase}`),
    );
  }
  return out;
}

/** True when a check's failure stops the publish. */
export const blocks = (r: CheckResult) => r.outcome === "failed";
