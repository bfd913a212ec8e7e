import { GOLD_TABLE_NAMES } from "../contract/gold-tables.ts";
import { collectionName } from "./serving-store.ts";

/**
 * Names of the tables or collections an export loads aside, shared by the backends. Cleanup
 * after a killed export drops only names of this form, checked here rather than trusted to a
 * server's filter: a server that ignored a listCollections filter once made elt drop a whole
 * database.
 */

const STAGING = "__staging_";

/** A gold table's staging name, unique to this export (`tag`), so two writers never drop each other's. */
export const stagingName = (target: string, tag: string) => `${target}${STAGING}${tag.replace(/[^A-Za-z0-9_.-]/g, "_")}`;

/** Only the names `stagingName` gives for this prefix's gold tables. */
export function isStaging(name: string, prefix: string): boolean {
  return GOLD_TABLE_NAMES.some((table) => {
    const start = collectionName(table, prefix) + STAGING;
    return name.length > start.length && name.startsWith(start);
  });
}
