import type { AlertPayload } from "./payload.ts";

/**
 * Delivers an alert to a webhook: a JSON POST, retried with backoff while the receiver is down
 * or answers 5xx, within one time bound. It never throws: an alert that cannot be delivered is
 * reported to the caller, and the run it is about keeps its outcome and its exit code.
 */

export interface Delivery {
  delivered: boolean;
  attempts: number;
  /** The last failure, without the URL (a webhook URL is a secret). */
  error?: string;
}

export interface DeliveryOptions {
  /** The whole delivery, retries included, ends by then. */
  deadlineMs?: number;
  /** One request's bound. */
  requestMs?: number;
  baseDelayMs?: number;
}

export async function deliverAlert(url: string, payload: AlertPayload, options: DeliveryOptions = {}): Promise<Delivery> {
  const { deadlineMs = 10_000, requestMs = 3_000, baseDelayMs = 250 } = options;
  const until = Date.now() + deadlineMs;
  let error = "";
  for (let attempt = 1; ; attempt++) {
    const left = until - Date.now();
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(Math.max(1, Math.min(requestMs, left))),
      });
      // The answer's body is not read: let the connection go.
      await res.body?.cancel().catch(() => {});
      if (res.ok) return { delivered: true, attempts: attempt };
      error = `the receiver answered ${res.status}`;
      // A 4xx will not change on a retry: the URL or the payload is what is wrong.
      if (res.status < 500 && res.status !== 429) return { delivered: false, attempts: attempt, error };
    } catch (err) {
      // The error's own text may quote the URL: say only what kind of failure it was.
      const code = (err as { code?: string }).code;
      error = (err as Error).name === "TimeoutError" ? `no answer within ${requestMs} ms` : `cannot reach the receiver${code ? ` (${code})` : ""}`;
    }
    const delay = baseDelayMs * 2 ** (attempt - 1);
    if (Date.now() + delay >= until) return { delivered: false, attempts: attempt, error };
    await Bun.sleep(delay);
  }
}
