import { StoreError } from "./errors.ts";

export interface RetryOptions {
  /** Further attempts after the first one fails. */
  retries: number;
  /** Delay before the first retry; each later one doubles, up to `maxMs`. */
  baseMs: number;
  maxMs?: number;
  /** Whether a failure is worth another attempt; default: a transient StoreError. */
  retryable?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Aborting stops the waiting and the retrying; the abort reason is thrown. */
  signal?: AbortSignal;
}

const isTransient = (err: unknown) => err instanceof StoreError && err.transient;

/**
 * Calls `fn` (attempt numbers start at 1) until it succeeds, the error is not retryable, or
 * the retries run out, which rethrows the last error. Delays are exponential with "equal
 * jitter" (half fixed, half random) so a crowd of clients spreads out but still backs off.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { retries, baseMs, maxMs = 30_000, retryable = isTransient, onRetry, signal } = options;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt > retries || !retryable(err) || signal?.aborted) throw err;
      const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
      onRetry?.(err, attempt, delayMs);
      signal?.throwIfAborted();
      await sleep(delayMs, signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener("abort", abort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}
