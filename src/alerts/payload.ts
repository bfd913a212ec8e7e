import type { CheckResult } from "../quality/checks.ts";
import type { RunRecord } from "../runner/record.ts";

/**
 * What an alert says: the run, how it ended, the task and error that ended it, the checks
 * that warned or failed with their values and bounds, what stayed published, and where to look.
 * `text` is the whole of it in one message, so Slack-compatible receivers show it as it is;
 * the other fields are there for receivers that read JSON.
 */
export interface AlertPayload {
  text: string;
  run_id: string;
  flow: string;
  state: string;
  failed_task: string | null;
  error: string | null;
  checks: Pick<CheckResult, "check" | "subject" | "value" | "unit" | "warn" | "error" | "outcome" | "note">[];
  published: string;
  url: string | null;
}

/** Why a run deserves an alert, or null when it does not: it failed, was cancelled, or a check warned or failed. */
export function alertReason(record: RunRecord, checks: readonly CheckResult[]): string | null {
  if (record.state !== "succeeded" && record.state !== "running") return record.state;
  if (checks.some((c) => c.outcome === "failed")) return "a check failed";
  if (checks.some((c) => c.outcome === "warned")) return "a check warned";
  return null;
}

const bound = (b: number | false) => (b === false ? "off" : String(b));

export function alertPayload(record: RunRecord, checks: readonly CheckResult[], published: string, url: string | null): AlertPayload {
  const failed = record.tasks.find((t) => t.state === "failed");
  const flagged = checks.filter((c) => c.outcome === "failed" || c.outcome === "warned");
  const lines = [
    `elt: run ${record.id} (${record.flow}) ${record.state}${failed ? ` in ${failed.name}: ${failed.error ?? ""}` : ""}`,
    ...flagged.map(
      (c) =>
        `  ${c.outcome === "failed" ? "✖" : "⚠"} ${c.subject} ${c.check}: ${c.value === null ? "—" : `${c.value}${c.unit ? ` ${c.unit}` : ""}`} (warn ${bound(c.warn)}, error ${bound(c.error)})`,
    ),
    `  published: ${published}`,
    ...(url ? [`  ${url}`] : []),
  ];
  return {
    text: lines.join("\n"),
    run_id: record.id,
    flow: record.flow,
    state: record.state,
    failed_task: failed?.name ?? null,
    error: failed?.error ?? record.error ?? null,
    checks: flagged.map(({ check, subject, value, unit, warn, error, outcome, note }) => ({ check, subject, value, unit, warn, error, outcome, ...(note ? { note } : {}) })),
    published,
    url,
  };
}

/** What `elt doctor --alert-test` sends: an alert of the same shape, about no run, that says what it is. */
export function testAlertPayload(host: string, url: string | null): AlertPayload {
  return {
    text: `elt: test alert from elt doctor on ${host}: failed and cancelled runs, and checks that warn or fail, are reported here`,
    run_id: "test",
    flow: "doctor",
    state: "test",
    failed_task: null,
    error: null,
    checks: [],
    published: "unchanged",
    url,
  };
}
