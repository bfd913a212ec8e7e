import type { Config } from "../config/environment.ts";
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
