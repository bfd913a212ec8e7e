import { afterAll, expect, test } from "bun:test";
import { alertPayload, alertReason } from "../../src/alerts/payload.ts";
import { deliverAlert } from "../../src/alerts/webhook.ts";
import type { CheckResult } from "../../src/quality/checks.ts";
import type { RunRecord } from "../../src/runner/record.ts";

const record: RunRecord = {
  id: "20260101T000000Z-all-abcd",
  flow: "all",
  state: "failed",
  parameters: {},
  started_at: "2026-01-01T00:00:00Z",
  heartbeat_at: "2026-01-01T00:00:00Z",
  host: "h",
  pid: 1,
  tasks: [
    { name: "bronze.clients", state: "succeeded", attempts: 1 },
    { name: "silver", state: "failed", attempts: 1, error: "quality: achats reject_rate 94.1 % > 50 % (error)" },
  ],
};
const failedCheck: CheckResult = { check: "reject_rate", subject: "achats", value: 94.1, unit: "%", warn: 5, error: 50, fails: "above", outcome: "failed" };
const passed: CheckResult = { ...failedCheck, subject: "clients", value: 1, outcome: "passed" };

test("the payload names the run, the failing task and error, the flagged checks and what stayed published", () => {
  const p = alertPayload(record, [failedCheck, passed], "gold of run 20251231T000000Z-all-wxyz (unchanged)", "http://127.0.0.1:8000/ui");
  expect(p).toMatchObject({ run_id: record.id, flow: "all", state: "failed", failed_task: "silver", error: "quality: achats reject_rate 94.1 % > 50 % (error)" });
  expect(p.checks).toEqual([{ check: "reject_rate", subject: "achats", value: 94.1, unit: "%", warn: 5, error: 50, outcome: "failed" }]);
  expect(p.text).toBe(
    [
      "elt: run 20260101T000000Z-all-abcd (all) failed in silver: quality: achats reject_rate 94.1 % > 50 % (error)",
      "  ✖ achats reject_rate: 94.1 % (warn 5, error 50)",
      "  published: gold of run 20251231T000000Z-all-wxyz (unchanged)",
      "  http://127.0.0.1:8000/ui",
    ].join("\n"),
  );
});

test("an alert is due for a failed or cancelled run and for a warned check, not for a clean success", () => {
  expect(alertReason(record, [])).toBe("failed");
  const ok = { ...record, state: "succeeded" as const };
  expect(alertReason(ok, [passed])).toBeNull();
  expect(alertReason(ok, [{ ...passed, outcome: "warned" }])).toBe("a check warned");
  expect(alertReason(ok, [failedCheck])).toBe("a check failed");
});

const received: unknown[] = [];
let failNext = 0;
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    if (failNext > 0) {
      failNext--;
      return new Response("busy", { status: 500 });
    }
    received.push(await req.json());
    return new Response("ok");
  },
});
afterAll(() => receiver.stop(true));
const payload = alertPayload(record, [failedCheck], "nothing new", null);

test("delivered as one JSON POST; a 500 is retried until it goes through", async () => {
  received.length = 0;
  failNext = 2;
  const d = await deliverAlert(`http://127.0.0.1:${receiver.port}/hook`, payload, { baseDelayMs: 10 });
  expect(d).toEqual({ delivered: true, attempts: 3 });
  expect(received).toEqual([payload]);
});

test("a receiver that is down costs at most the time bound, never throws, and the URL is not in the error", async () => {
  const url = "http://127.0.0.1:1/secret-token-path";
  const t0 = Date.now();
  const d = await deliverAlert(url, payload, { deadlineMs: 600, baseDelayMs: 50 });
  expect(Date.now() - t0).toBeLessThan(1_500);
  expect(d.delivered).toBe(false);
  expect(d.attempts).toBeGreaterThan(1);
  expect(d.error).toStartWith("cannot reach the receiver");
  expect(d.error).not.toContain("secret-token-path");
});

test("a 4xx is not retried: the URL or the payload is what is wrong", async () => {
  const gone = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("no", { status: 404 }) });
  const d = await deliverAlert(`http://127.0.0.1:${gone.port}/`, payload, { baseDelayMs: 10 });
  gone.stop(true);
  expect(d).toEqual({ delivered: false, attempts: 1, error: "the receiver answered 404" });
});
