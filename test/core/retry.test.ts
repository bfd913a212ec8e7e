import { expect, test } from "bun:test";
import { InputError, StoreError } from "../../src/core/errors.ts";
import { withRetry } from "../../src/core/retry.ts";
import { caught } from "../support/caught.ts";

const transient = () => new StoreError("unreachable", "cannot reach S3 endpoint localhost:9000: ECONNREFUSED");

test("retries transient failures until one attempt succeeds, backing off each time", async () => {
  const attempts: number[] = [];
  const retries: [number, number][] = [];
  const result = await withRetry(
    async (attempt) => {
      attempts.push(attempt);
      if (attempt < 4) throw transient();
      return "done";
    },
    { retries: 5, baseMs: 4, onRetry: (_err, attempt, delayMs) => retries.push([attempt, delayMs]) },
  );
  expect(result).toBe("done");
  expect(attempts).toEqual([1, 2, 3, 4]);
  expect(retries.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
  // Ceilings 4, 8, 16 ms; each delay lies between half its ceiling and the ceiling.
  const [d1, d2, d3] = retries.map(([, delay]) => delay) as [number, number, number];
  expect(d1).toBeGreaterThanOrEqual(2);
  expect(d1).toBeLessThanOrEqual(4);
  expect(d2).toBeGreaterThanOrEqual(4);
  expect(d2).toBeLessThanOrEqual(8);
  expect(d3).toBeGreaterThanOrEqual(8);
  expect(d3).toBeLessThanOrEqual(16);
});

test("gives up after the last retry with the last error", async () => {
  let calls = 0;
  const errors = [transient(), transient(), new StoreError("failed", "cannot write gold/x.csv: HTTP 500")];
  const err = await caught(withRetry(async () => Promise.reject(errors[calls++]), { retries: 2, baseMs: 1 }));
  expect(calls).toBe(3);
  expect(err).toBe(errors[2]);
});

test("by default only a transient StoreError is retried", async () => {
  for (const error of [new StoreError("not_found", "gold/x does not exist"), new InputError("bad header", "clients.csv"), new TypeError("bug")]) {
    let calls = 0;
    const err = await caught(withRetry(async () => Promise.reject((calls++, error)), { retries: 3, baseMs: 1 }));
    expect([calls, err]).toEqual([1, error]);
  }
});

test("a retryable predicate decides instead", async () => {
  let calls = 0;
  const err = await caught(
    withRetry(async () => Promise.reject(new Error(`flaky ${++calls}`)), {
      retries: 2,
      baseMs: 1,
      retryable: (e) => e instanceof Error && e.message.startsWith("flaky"),
    }),
  );
  expect(calls).toBe(3);
  expect((err as Error).message).toBe("flaky 3");
});

test("delays stop growing at maxMs", async () => {
  const delays: number[] = [];
  await caught(
    withRetry(async () => Promise.reject(transient()), { retries: 4, baseMs: 2, maxMs: 5, onRetry: (_e, _a, d) => delays.push(d) }),
  );
  // Ceilings 2, 4, then 5 and 5 instead of 8 and 16.
  expect(delays.length).toBe(4);
  expect(Math.max(...delays.slice(2))).toBeLessThanOrEqual(5);
  expect(Math.min(...delays.slice(2))).toBeGreaterThanOrEqual(2.5);
});

test("an abort during the wait stops retrying with the abort reason", async () => {
  const controller = new AbortController();
  const reason = new Error("task timed out");
  let calls = 0;
  const err = await caught(
    withRetry(
      async () => {
        calls++;
        // Fires while withRetry waits (30 to 60 s), which the abort must cut short.
        setTimeout(() => controller.abort(reason), 1);
        throw transient();
      },
      { retries: 5, baseMs: 60_000, signal: controller.signal },
    ),
  );
  expect([calls, err]).toEqual([1, reason]);
});

test("an abort from onRetry stops before waiting", async () => {
  const controller = new AbortController();
  const reason = new Error("cancelled");
  let calls = 0;
  const err = await caught(
    withRetry(async () => Promise.reject((calls++, transient())), {
      retries: 5,
      baseMs: 60_000,
      signal: controller.signal,
      onRetry: () => controller.abort(reason),
    }),
  );
  expect([calls, err]).toEqual([1, reason]);
});

test("an already aborted signal runs nothing", async () => {
  let calls = 0;
  const err = await caught(withRetry(async () => ++calls, { retries: 1, baseMs: 1, signal: AbortSignal.abort(new Error("stop")) }));
  expect([calls, (err as Error).message]).toEqual([0, "stop"]);
});
