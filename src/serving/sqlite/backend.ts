import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { StoreError, errorLine } from "../../core/errors.ts";
import type { ServingBackend } from "../backend.ts";

/**
 * The embedded store, `$ELT_HOME/serving.sqlite`: it has no variables of its own, so nothing
 * selects it; it serves when no other backend is selected.
 */
export const sqliteBackend: ServingBackend<"sqlite", {}, undefined> = {
  kind: "sqlite",
  variables: {},
  configure: () => undefined,
  target: (_, home) => {
    const location = join(home, "serving.sqlite");
    return {
      location,
      reachable: "readable",
      open: async (options = {}) => {
        if (options.create === false && !existsSync(location)) {
          throw new StoreError("not_found", `${location} does not exist yet: nothing is served before the first \`elt run --all\``);
        }
        try {
          mkdirSync(home, { recursive: true });
        } catch (err) {
          throw new StoreError("failed", `cannot create ${home}: ${errorLine(err)}`, { cause: err });
        }
        return (await import("./sqlite.ts")).openSqliteStore(location);
      },
    };
  },
  settingLines: () => [],
  secrets: () => [],
};
