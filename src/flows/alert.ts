import { alertPayload, alertReason } from "../alerts/payload.ts";
import { deliverAlert, type Delivery } from "../alerts/webhook.ts";
import type { Config } from "../config/environment.ts";
import { checksOf } from "../quality/gate.ts";
import type { RunRecord } from "../runner/record.ts";

/**
 * After a run: an alert to ELT_ALERT_WEBHOOK when the run failed, was cancelled, or a check
 * warned or failed. Delivery is bounded in time and never changes the run's outcome; null when
 * no alert was due or none is configured.
 */
export async function alertAfterRun(record: RunRecord, config: Config, published: string): Promise<Delivery | null> {
  const url = config.alertWebhook;
  const checks = checksOf(record);
  if (!url || alertReason(record, checks) === null) return null;
  return deliverAlert(url, alertPayload(record, checks, published, `${config.apiUrl}/ui`));
}
