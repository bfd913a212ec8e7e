import type { z } from "zod";
import type { ServingBackend, ServingTarget, Setting } from "../backend.ts";
import { mongoBackend } from "../mongo/backend.ts";
import { sqliteBackend } from "../sqlite/backend.ts";

/**
 * Every serving backend, in the order doctor lists their variables. Adding one is a folder
 * with its declaration (see backend.ts) and a line here.
 */
export const SERVING_BACKENDS = [sqliteBackend, mongoBackend] as const;

/** What serves when no backend's variables select another. */
const EMBEDDED = sqliteBackend;

type Backend = (typeof SERVING_BACKENDS)[number];
type SettingsOf<B> = B extends ServingBackend<string, z.ZodRawShape, infer S> ? S : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

export type ServingKind = Backend["kind"];

/** The variables of every backend, one shape to parse with the rest of the environment. */
export type ServingVariables = Intersection<Backend["variables"]>;
export const SERVING_VARIABLES = Object.assign({}, ...SERVING_BACKENDS.map((b) => b.variables)) as ServingVariables;

/** The settings of each selected backend under its kind (`config.mongo`); none for the embedded one. */
export type ServingSettings = {
  [B in Backend as SettingsOf<B> extends undefined ? never : B["kind"]]?: SettingsOf<B>;
};

/** What opening a serving store needs of the configuration. */
export type ServingConfig = ServingSettings & { home: string };

/**
 * The list seen one backend at a time, whatever its settings' type: each backend is only ever
 * handed the settings its own `configure` returned, stored under its kind.
 */
const backends: readonly ServingBackend[] = SERVING_BACKENDS;
const settingsOf = (config: ServingSettings, backend: ServingBackend): unknown =>
  (config as Record<string, unknown>)[backend.kind];

export function configureServing(env: z.output<z.ZodObject<ServingVariables>>): ServingSettings {
  const settings: Record<string, unknown> = {};
  for (const backend of backends) {
    const configured = backend.configure(env);
    if (configured !== undefined) settings[backend.kind] = configured;
  }
  return settings as ServingSettings;
}

/** The serving store SPEC names: the first backend the configuration selects, else the embedded one. */
export function servingTarget(config: ServingConfig): ServingTarget {
  const selected = backends.find((b) => settingsOf(config, b) !== undefined);
  return selected ? selected.target(settingsOf(config, selected), config.home) : EMBEDDED.target(undefined, config.home);
}

/** Doctor's lines for every backend's variables. */
export function servingSettingLines(config: ServingConfig): Setting[] {
  const fallback = EMBEDDED.target(undefined, config.home);
  return backends.flatMap((b) => b.settingLines(settingsOf(config, b), fallback));
}

/** The secrets in the selected backends' settings. */
export function servingSecrets(config: ServingSettings): string[] {
  return backends.flatMap((b) => {
    const settings = settingsOf(config, b);
    return settings === undefined ? [] : b.secrets(settings);
  });
}
