import type { Config } from "../config/environment.ts";
import { isNotFound } from "../core/errors.ts";
import { openServingStore } from "../serving/registry/open.ts";
import type { ServingStore } from "../serving/serving-store.ts";

/** The configured serving store, open for one piece of work and closed after it, whatever happens. */
export async function withServingStore<T>(config: Config, work: (serving: ServingStore) => Promise<T>): Promise<T> {
  const serving = await openServingStore(config);
  try {
    return await work(serving);
  } finally {
    await serving.close();
  }
}

/**
 * Refuses, before any layer runs, a run whose export would find the serving store unreachable:
 * otherwise bronze, silver and gold run and publish, and the export fails at the end. A store
 * not made yet (the embedded file before the first export) is no failure: the export makes it.
 */
export async function assertServingReachable(config: Config): Promise<void> {
  let serving: ServingStore;
  try {
    serving = await openServingStore(config, { create: false });
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  try {
    await serving.ping();
  } finally {
    await serving.close();
  }
}
