import { percentile } from "./stats.ts";

/** What a load of one URL at one concurrency gave. */
export interface LoadResult {
  concurrency: number;
  requests: number;
  /** Answers that were not 200, or failed. */
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** The server's CPU time per measured request, in µs, when `serverCpuNs` was given. */
  serverCpuUs?: number;
}

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  /** Requests before the clock starts: connections opened, caches and JIT warm. */
  warmupMs: number;
  /** Also an error: a 200 whose body fails this (an empty or partial answer). */
  whole?: (body: string) => boolean;
  /** Stops early once this settles (the load then covers exactly that work). */
  until?: Promise<unknown>;
  /** The server's CPU time so far, in ns: read when the clock starts and when it stops. */
  serverCpuNs?: () => number;
}

/**
 * A small closed-loop load generator: `concurrency` clients, each sending its next request as
 * soon as the previous answer's body is read, for a fixed time. Latency is request to last
 * byte, as a client sees it.
 */
export async function load(url: string, options: LoadOptions): Promise<LoadResult> {
  let stopped = false;
  void options.until?.finally(() => (stopped = true));
  const drive = async (until: number, latencies: number[] | null) => {
    let errors = 0;
    while (performance.now() < until && !stopped) {
      const started = performance.now();
      try {
        const res = await fetch(url);
        if (options.whole) {
          if (res.status !== 200 || !options.whole(await res.text())) errors++;
        } else {
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
        }
      } catch {
        errors++;
      }
      latencies?.push(performance.now() - started);
    }
    return errors;
  };
  const clients = Array.from({ length: options.concurrency });
  const warmEnd = performance.now() + options.warmupMs;
  await Promise.all(clients.map(() => drive(warmEnd, null)));

  const latencies: number[] = [];
  const cpuBefore = options.serverCpuNs?.();
  const started = performance.now();
  const errors = await Promise.all(clients.map(() => drive(started + options.durationMs, latencies)));
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = options.serverCpuNs?.();
  const sorted = Float64Array.from(latencies).sort();
  return {
    concurrency: options.concurrency,
    requests: latencies.length,
    errors: errors.reduce((a, b) => a + b, 0),
    rps: latencies.length / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { serverCpuUs: (cpuAfter - cpuBefore) / 1000 / latencies.length } : {}),
  };
}
