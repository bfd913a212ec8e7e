import { readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The files exports are writing the next version of a home's SQLite serving store into
 * (`serving.sqlite.d/*.building`): what a killed export leaves, and the next export removes.
 */
export function buildingVersions(home: string): string[] {
  try {
    return readdirSync(join(home, "serving.sqlite.d")).filter((name) => name.endsWith(".building"));
  } catch {
    return [];
  }
}
