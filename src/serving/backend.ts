import type { z } from "zod";
import type { ServingStore } from "./serving-store.ts";

/**
 * What a serving backend declares to the list in `backends.ts`: its variables, the settings
 * they give, how to open it and what `elt doctor` says of it. The configuration, doctor and
 * the API read that list, so none of them names a backend. A declaration loads no database
 * driver: `open` imports its store when it is called, so a command that serves nothing pays
 * for none (the MongoDB driver alone costs a quarter of a second at start).
 */

/** A line of `elt doctor`'s configuration: a variable and its effective value (null: unset). */
export interface Setting {
  name: string;
  value: string | null;
  unsetMeans?: string;
}

/** A backend bound to its settings and ELT_HOME: where it serves from and how to open it. */
export interface ServingTarget {
  /** What a user sees: the SQLite path, or the Mongo URI with its password masked. */
  readonly location: string;
  /** `elt doctor`'s verdict when the opened store answers. */
  readonly reachable: string;
  /**
   * `create: false` for the commands that only read (doctor, dashboard, refresh-test): an
   * embedded store that does not exist yet is a StoreError "not_found", and nothing is created.
   */
  open(options?: { create?: boolean }): Promise<ServingStore>;
}

export interface ServingBackend<Kind extends string = string, Variables extends z.ZodRawShape = z.ZodRawShape, Settings = unknown> {
  readonly kind: Kind;
  /** Its environment variables, parsed with the rest of the environment by src/config.ts. */
  readonly variables: Variables;
  /** Its settings from its parsed variables; undefined when they do not select it. */
  configure(env: z.output<z.ZodObject<Variables>>): Settings | undefined;
  /** Bound to the settings its `configure` gave (the embedded store has none) and ELT_HOME. */
  target(settings: Settings, home: string): ServingTarget;
  /** Doctor's lines for its variables; `fallback` is the store that serves when it is not selected. */
  settingLines(settings: Settings | undefined, fallback: ServingTarget): Setting[];
  /** What of its settings must be scrubbed from every line the program writes. */
  secrets(settings: Settings): string[];
}
