import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { ConfigError, errorLine } from "../core/errors.ts";
import { qualitySection } from "../quality/thresholds.ts";

/**
 * The project file users keep in their repository beside their sources: `elt.toml` in the
 * working directory (another path with ELT_CONFIG). Where the environment says which backends,
 * this says how the pipeline judges its data. Absent, every default holds.
 */

export const PROJECT_FILE = "elt.toml";

// No [alerts] here: a webhook URL is a credential, and this file is kept in a repository; it
// comes from the environment (ELT_ALERT_WEBHOOK), where secrets are masked and scrubbed.
const projectSchema = z.object({ quality: qualitySection.optional() }).strict();
export type ProjectConfig = z.output<typeof projectSchema>;

export interface ProjectFile {
  path: string;
  /** ELT_CONFIG named it: then it must exist, where a missing elt.toml means every default. */
  named: boolean;
}

/** The project file a command reads, as ELT_CONFIG (blank: unset) says. */
export function projectFile(env: Record<string, string | undefined> = process.env): ProjectFile {
  const named = env.ELT_CONFIG?.trim() || undefined;
  return { path: resolve(named ?? PROJECT_FILE), named: named !== undefined };
}

export function loadProjectConfig({ path, named }: ProjectFile = projectFile()): ProjectConfig {
  if (!existsSync(path)) {
    if (named) throw new ConfigError(`ELT_CONFIG: ${path} does not exist`);
    return {};
  }
  let text: string;
  let raw: unknown;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`${named ? "ELT_CONFIG: " : ""}${path}: cannot be read: ${errorLine(err)}`);
  }
  try {
    raw = Bun.TOML.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid TOML: ${errorLine(err)}`);
  }
  const parsed = projectSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = [...issue.path.map(String), ...(issue.code === "unrecognized_keys" ? [issue.keys[0]!] : [])].join(".");
  const message = issue.code === "unrecognized_keys" ? "unknown key" : issue.message;
  throw new ConfigError(`${path}: ${key || "(top level)"}: ${message}`);
}
