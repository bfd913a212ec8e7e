import { EltError } from "../core/errors.ts";
import { blocks, type CheckResult } from "./checks.ts";
import { checkLine } from "./describe.ts";
import type { Thresholds } from "./thresholds.ts";

/**
 * Write–audit–publish: a layer computes its outputs, audits them here, and publishes only when
 * no `error` check failed, unless the run was told to publish anyway (`--no-gate`).
 */

export interface Gate {
  thresholds: Thresholds;
  /** false with --no-gate: failed checks are recorded and the outputs published all the same. */
  enforce: boolean;
  /** Hears every result, passed or not, for the run record, and how long the audit took. */
  record(results: CheckResult[], auditMs: number): void;
}

/** A publish refused by the audit: the first failed check's line, and how many more failed. */
export class QualityError extends EltError {
  constructor(readonly failed: CheckResult[]) {
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more failed check${failed.length > 2 ? "s" : ""})` : "";
    super(`quality: ${checkLine(failed[0]!)}${more}`);
  }
}

/**
 * Evaluates the checks (`evaluate` reads what they need), records the results with the time it
 * took (the bench reports the audit's share of a run), then refuses the publish when the gate
 * holds and an error check failed.
 */
export async function audit(gate: Gate, evaluate: () => CheckResult[] | Promise<CheckResult[]>): Promise<void> {
  const started = performance.now();
  const results = await evaluate();
  gate.record(results, performance.now() - started);
  const failed = results.filter(blocks);
  if (failed.length > 0 && gate.enforce) throw new QualityError(failed);
}

/** Every check a run recorded, in task order (checks are task metrics: `metrics.checks`). */
export function checksOf(record: { tasks: readonly { metrics?: Record<string, unknown> }[] }): CheckResult[] {
  return record.tasks.flatMap((t) => (Array.isArray(t.metrics?.checks) ? (t.metrics.checks as CheckResult[]) : []));
}
