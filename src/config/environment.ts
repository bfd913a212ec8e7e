import { existsSync, readFileSync, statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { blankToUndefined } from "../core/env-values.ts";
import { BUCKETS, type Bucket } from "../contract/lake.ts";
import { ConfigError } from "../core/errors.ts";
import { bucketVariable, type S3Config } from "../storage/store-settings.ts";
import { SERVING_VARIABLES, configureServing, servingSecrets, type ServingSettings } from "../serving/registry/backends.ts";

export type { S3Config };

/**
 * The environment (and `.env`) parsed once. Names and meanings follow the original Python
 * project so its `.env` works unchanged; unknown variables (PREFECT_API_URL, ...) are ignored.
 */

const endpoint = z.preprocess(
  blankToUndefined,
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, "expected host or host:port, with no scheme or path (e.g. localhost:9000)")
    .optional(),
);

const bool = z.preprocess(
  blankToUndefined,
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ["true", "false", "1", "0", "yes", "no"].includes(v), "expected true or false")
    .transform((v) => v === "true" || v === "1" || v === "yes")
    .optional(),
);

const isHttpUrl = (v: string) => {
  try {
    return ["http:", "https:"].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};
const httpUrlText = (message: string) => z.string().trim().refine(isHttpUrl, message);

const httpUrl = z.preprocess(blankToUndefined, httpUrlText("expected an http(s) URL such as http://localhost:8000").default("http://localhost:8000"));
/** An http(s) URL that stays unset when absent: a webhook has no default. */
const optionalUrl = z.preprocess(blankToUndefined, httpUrlText("expected an http(s) URL").optional());

/**
 * Run records kept by default: a week of runs every minute, decades of daily ones; beyond it
 * the listing of the `runs` bucket, which `elt runs` and `/runs` read whole, would grow with
 * every run of an unattended schedule.
 */
export const RUNS_KEPT = 10_000;

/** A whole number of runs above 0, or `all` (kept as Infinity: nothing is pruned). */
const runCount = z.preprocess(
  blankToUndefined,
  z
    .string()
    .trim()
    .default(String(RUNS_KEPT))
    .transform((v, ctx) => {
      if (v.toLowerCase() === "all") return Infinity;
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      if (n >= 1) return n;
      ctx.addIssue({ code: "custom", message: 'expected a whole number of runs above 0, or "all"' });
      return z.NEVER;
    }),
);

/**
 * S3's rules for a bucket name (AWS's, which every server accepts): 3 to 63 lowercase
 * letters, digits, dots and hyphens, starting and ending with a letter or digit, no "..",
 * not an IPv4 address, none of AWS's reserved prefixes and suffixes.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `"${name}" has ${name.length} characters: a bucket name has 3 to 63`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return `"${name}" is not a bucket name: lowercase letters, digits, "." and "-" only, starting and ending with a letter or digit`;
  }
  if (name.includes("..")) return `"${name}" is not a bucket name: no two dots in a row`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return `"${name}" is not a bucket name: it looks like an IP address`;
  if (/^(xn--|sthree-)/.test(name) || /(-s3alias|--ol-s3)$/.test(name)) return `"${name}" uses a prefix or suffix S3 reserves`;
  return undefined;
}

const optionalText = z.preprocess(blankToUndefined, z.string().trim().optional());
const BUCKET_VARIABLES = Object.fromEntries(BUCKETS.map((b) => [bucketVariable(b), optionalText])) as Record<
  ReturnType<typeof bucketVariable>,
  typeof optionalText
>;

/** Whole seconds or a decimal, above zero, as milliseconds. */
const seconds = (fallback: number) =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ message: "expected a number of seconds such as 10" })
      .positive("expected a number of seconds above 0")
      .max(3600, "expected at most 3600 seconds")
      .default(fallback)
      .transform((s) => Math.round(s * 1000)),
  );

export const envSchema = z.object({
  MINIO_ENDPOINT: endpoint,
  MINIO_ACCESS_KEY: z.preprocess(blankToUndefined, z.string().optional()),
  MINIO_SECRET_KEY: z.preprocess(blankToUndefined, z.string().optional()),
  MINIO_SECURE: bool,
  ELT_BUCKET_PREFIX: optionalText,
  ...BUCKET_VARIABLES,
  // A radosgw or MinIO restart takes 5 to 8 s: the budget rides out an outage several times that.
  ELT_STORE_TIMEOUT_SECONDS: seconds(10),
  ELT_STORE_RETRY_SECONDS: seconds(30),
  // Each serving backend's own variables (src/serving/backends.ts), in this place of the order
  // so that of several bad variables, the one reported stays the first in this list.
  ...SERVING_VARIABLES,
  API_URL: httpUrl,
  API_KEY: z.preprocess(blankToUndefined, z.string().optional()),
  ELT_ALERT_WEBHOOK: optionalUrl,
  ELT_KEEP_RUNS: runCount,
  ELT_HOME: z.preprocess(blankToUndefined, z.string().default(".elt")),
});


/** Each logical bucket's S3 name: its own variable, else the prefix and the logical name. */
function bucketNames(e: z.infer<typeof envSchema>): Record<Bucket, string> {
  const names = {} as Record<Bucket, string>;
  const owners = new Map<string, string>();
  for (const bucket of BUCKETS) {
    const own = e[bucketVariable(bucket)];
    const variable = own ? bucketVariable(bucket) : "ELT_BUCKET_PREFIX";
    const name = own ?? `${e.ELT_BUCKET_PREFIX ?? ""}${bucket}`;
    const problem = bucketNameProblem(name);
    if (problem) throw new ConfigError(`${variable}: ${problem}`);
    // Two logical buckets in one S3 bucket would mix their keys (gold's _state.json and silver's).
    const other = owners.get(name);
    if (other) throw new ConfigError(`${variable}: bucket "${name}" is already the ${other} bucket: each bucket needs its own`);
    owners.set(name, bucket);
    names[bucket] = name;
  }
  return names;
}

/** Each selected serving backend's settings sit under its kind (`mongo`). */
export interface Config extends ServingSettings {
  home: string;
  s3?: S3Config;
  apiUrl: string;
  apiKey?: string;
  /** Where alerts are POSTed; a secret (its path usually is the credential). */
  alertWebhook?: string;
  /** Run records kept after each run (the newest; Infinity: all), see flows/run-retention.ts. */
  keepRuns: number;
}

/** KEY=VALUE lines; `export`, quotes and comments as shells and dotenv write them. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(raw);
    if (!m) continue;
    let value = m[2]!.trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, "");
    out[m[1]!] = value;
  }
  return out;
}

/** The process environment over `.env` in the working directory (the environment wins). */
export function readEnv(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const file = resolve(cwd, ".env");
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file, "utf8")) : {};
  return { ...fromFile, ...env };
}

/** What is at a path, if anything can be read there: below a file a path is ENOTDIR rather than absent. */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Why ELT_HOME cannot be the folder of the lake, SQLite and staging: it, or the nearest of its
 * parents that exists, is a file. A missing folder is fine (the first write makes it), and one
 * that cannot be read is left to that write to name.
 */
function homeProblem(home: string): string | undefined {
  for (let path = home; ; path = dirname(path)) {
    const stat = statOf(path);
    if (stat) return stat.isDirectory() ? undefined : path === home ? `${home} is a file, not a folder` : `${home} cannot be made: ${path} is a file`;
    if (dirname(path) === path) return undefined;
  }
}

export function loadConfig(env: Record<string, string | undefined> = readEnv()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? "environment");
    throw new ConfigError(`${variable}: ${issue.message}`);
  }
  const e = parsed.data;
  const home = resolve(e.ELT_HOME);
  const problem = homeProblem(home);
  if (problem) throw new ConfigError(`ELT_HOME: ${problem}`);
  const config: Config = { home, apiUrl: e.API_URL.replace(/\/+$/, ""), apiKey: e.API_KEY, alertWebhook: e.ELT_ALERT_WEBHOOK, keepRuns: e.ELT_KEEP_RUNS };
  // Checked with or without an endpoint, so a bad name never waits for the day S3 is switched on.
  const buckets = bucketNames(e);
  if (e.MINIO_ENDPOINT) {
    if (!e.MINIO_ACCESS_KEY || !e.MINIO_SECRET_KEY) {
      throw new ConfigError(
        `${e.MINIO_ACCESS_KEY ? "MINIO_SECRET_KEY" : "MINIO_ACCESS_KEY"}: required when MINIO_ENDPOINT is set`,
      );
    }
    const [host, port] = e.MINIO_ENDPOINT.split(":");
    config.s3 = {
      endPoint: host!,
      port: port ? Number(port) : undefined,
      useSSL: e.MINIO_SECURE ?? false,
      accessKey: e.MINIO_ACCESS_KEY,
      secretKey: e.MINIO_SECRET_KEY,
      buckets,
      timeoutMs: e.ELT_STORE_TIMEOUT_SECONDS,
      retryMs: e.ELT_STORE_RETRY_SECONDS,
    };
  }
  return Object.assign(config, configureServing(e));
}

/** Every secret of a configuration, so logs and errors can be scrubbed of them. */
/**
 * The secrets of an environment that may not make a configuration (the error being told may
 * be that it does not): each secret variable read on its own, as far as it parses.
 */
export function secretsOfEnv(env: Record<string, string | undefined> = readEnv()): string[] {
  const own = [env.MINIO_ACCESS_KEY, env.MINIO_SECRET_KEY, env.API_KEY, env.ELT_ALERT_WEBHOOK].map((v) => v?.trim() ?? "");
  const serving = z.object(SERVING_VARIABLES).safeParse(env);
  const backends = serving.success ? servingSecrets(configureServing(serving.data)) : [];
  return [...own, ...backends].filter((s) => s.length >= 3);
}

export function secretsOf(config: Config): string[] {
  const out: string[] = [];
  if (config.s3) out.push(config.s3.secretKey, config.s3.accessKey);
  if (config.apiKey) out.push(config.apiKey);
  if (config.alertWebhook) out.push(config.alertWebhook);
  out.push(...servingSecrets(config));
  return out.filter((s) => s.length >= 3);
}
