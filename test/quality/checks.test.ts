import { expect, test } from "bun:test";
import type { SilverSummary } from "../../src/contract/silver-tables.ts";
import { goldChecks, silverChecks, type CheckResult } from "../../src/quality/checks.ts";
import { resolveThresholds } from "../../src/quality/thresholds.ts";

const summary = (clients: [number, number], achats: [number, number], orphans = 0): SilverSummary => ({
  clients: { rows_in: clients[0], kept: clients[1], rejects: {} },
  achats: { rows_in: achats[0], kept: achats[1], rejects: {}, orphans, q99: null },
});
const find = (results: CheckResult[], check: string, subject: string) => results.find((r) => r.check === check && r.subject === subject)!;
const defaults = resolveThresholds();

test("reject rate per dataset: pass, warn above 5 %, fail above 50 %", () => {
  const r = silverChecks(summary([100, 96], [1000, 59]), null, defaults);
  expect(find(r, "reject_rate", "clients")).toMatchObject({ value: 4, outcome: "passed", unit: "%", warn: 5, error: 50, fails: "above" });
  expect(find(r, "reject_rate", "achats")).toMatchObject({ value: 94.1, outcome: "failed" });
  expect(find(silverChecks(summary([100, 90], [10, 10]), null, defaults), "reject_rate", "clients").outcome).toBe("warned");
  // Exactly at a bound is not above it.
  expect(find(silverChecks(summary([100, 50], [10, 10]), null, defaults), "reject_rate", "clients").outcome).toBe("warned");
  expect(find(silverChecks(summary([0, 0], [10, 10]), null, defaults), "reject_rate", "clients")).toMatchObject({ value: null, outcome: "skipped", note: "no rows read" });
});

test("kept rows against the last publish: skipped on the first run, warn below 90 %, fail below 50 %", () => {
  const first = silverChecks(summary([10, 10], [1_000_000, 1_000_000]), null, defaults);
  expect(find(first, "kept_rows", "achats")).toMatchObject({ outcome: "skipped", value: null });
  const previous = summary([10, 10], [1_000_000, 1_000_000]);
  expect(find(silverChecks(summary([10, 10], [1_000_000, 400_000]), previous, defaults), "kept_rows", "achats")).toMatchObject({ value: 40, outcome: "failed" });
  expect(find(silverChecks(summary([10, 10], [1_000_000, 950_000]), previous, defaults), "kept_rows", "achats")).toMatchObject({ value: 95, outcome: "passed" });
  expect(find(silverChecks(summary([10, 10], [1_000_000, 850_000]), previous, defaults), "kept_rows", "achats")).toMatchObject({ value: 85, outcome: "warned" });
});

test("no purchase kept fails; orphans warn above 5 %", () => {
  const none = silverChecks(summary([10, 10], [10, 0]), null, defaults);
  expect(find(none, "no_purchase_kept", "achats")).toMatchObject({ value: 0, outcome: "failed" });
  expect(find(none, "orphan_rate", "achats").outcome).toBe("skipped");
  const orphans = silverChecks(summary([10, 10], [100, 100], 6), null, defaults);
  expect(find(orphans, "no_purchase_kept", "achats").outcome).toBe("passed");
  expect(find(orphans, "orphan_rate", "achats")).toMatchObject({ value: 6, outcome: "warned" });
});

test("thresholds change the outcome; a disabled check is not evaluated", () => {
  const t = resolveThresholds({ reject_rate: { error: 95 } }, ["orphan_rate.enabled=false"]);
  const r = silverChecks(summary([100, 96], [1000, 59], 50), null, t);
  expect(find(r, "reject_rate", "achats").outcome).toBe("warned");
  expect(r.some((c) => c.check === "orphan_rate")).toBe(false);
});

test("gold reconciliation: equal totals pass, any real difference fails and says where", () => {
  const figures = (jour: number) => ({
    kpis: { ca_total: 0.1 + 0.2 + 0.3, nb_achats_total: 3 },
    totals: { agg_jour: { ca_total: jour, nb_achats: 3 }, agg_mois: { ca_total: 0.3 + 0.2 + 0.1, nb_achats: 3 } },
    latestPurchase: "2024-06-10",
    asOf: "2024-06-15",
  });
  const ok = goldChecks(figures(0.6), defaults);
  expect(find(ok, "gold_reconciliation", "gold").outcome).toBe("passed");
  const bad = find(goldChecks(figures(0.7), defaults), "gold_reconciliation", "gold");
  expect(bad.outcome).toBe("failed");
  expect(bad.note).toContain("Σ agg_jour.ca_total = 0.7");
  expect(find(goldChecks({ ...figures(0.6), kpis: { ca_total: 0.6, nb_achats_total: 4 } }, defaults), "gold_reconciliation", "gold").outcome).toBe("failed");
});

test("freshness warns when the latest purchase is more than 7 days before as_of", () => {
  const at = (latest: string | null) => find(goldChecks({ kpis: { ca_total: 0, nb_achats_total: 0 }, totals: {}, latestPurchase: latest, asOf: "2024-06-15" }, defaults), "freshness", "gold");
  expect(at("2024-06-08")).toMatchObject({ value: 7, outcome: "passed", unit: "days" });
  expect(at("2024-06-07")).toMatchObject({ value: 8, outcome: "warned" });
  expect(at(null).outcome).toBe("skipped");
});
