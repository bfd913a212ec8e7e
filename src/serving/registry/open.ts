import { servingTarget, type ServingConfig } from "./backends.ts";
import type { ServingStore } from "../serving-store.ts";

export { collectionName } from "../serving-store.ts";

/** The serving store the configuration selects (see backends.ts), opened. */
export async function openServingStore(config: ServingConfig, options?: { create?: boolean }): Promise<ServingStore> {
  return servingTarget(config).open(options);
}
