import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { envSchema, loadConfig, readEnv, secretsOf, type Config } from "../config/environment.ts";
import { PROJECT_FILE, loadProjectConfig, projectFile, type ProjectFile } from "../config/project.ts";
import { BUCKETS } from "../contract/lake.ts";
import { bucketVariable } from "../storage/store-settings.ts";
import { redact } from "../core/redact.ts";
import { ConfigError, errorLine, isNotFound } from "../core/errors.ts";
import type { Setting } from "../serving/backend.ts";
import { servingSettingLines, servingTarget } from "../serving/registry/backends.ts";
import { openObjectStore } from "../storage/open.ts";
import { palette, wantsColor } from "../ui/color.ts";
import { defineCommand, flag } from "./command.ts";
import { parseOptions } from "./options.ts";

/**
 * `elt doctor`: the configuration as the program understands it (secrets masked), then one
 * verdict per backend and one on the latest gold tables, so "why does my run fail" starts with facts. Exit 0 when every
 * backend answers, 1 when one does not, 2 when the configuration itself is wrong.
 */

export interface DoctorIo {
  env?: Record<string, string | undefined>;
  write?: (text: string) => void;
  color?: boolean;
}

type Verdict = "ok" | "warn" | "fail";

interface Check {
  name: "object store" | "serving store" | "gold tables" | "alert webhook";
  location: string;
  verdict: Verdict;
  detail: string;
  missing_buckets?: string[];
}

const MASK = "****";

const schema = z.object({
  json: flag(z.boolean().default(false), "Print the checks as JSON"),
  alertTest: flag(z.boolean().default(false), "Also send a test alert to ELT_ALERT_WEBHOOK (which must be set) and check that it is delivered"),
});

export const doctor = defineCommand({
  usage: "doctor",
  description: "Show the effective configuration (secrets masked) and check every backend",
  options: schema,
  run: async (raw) => doctorCommand(parseOptions(schema, raw)),
});

export async function doctorCommand(opts: { json?: boolean; alertTest?: boolean }, io: DoctorIo = {}): Promise<number> {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const paint = palette(io.color ?? wantsColor({ isTTY: process.stdout.isTTY }));
  const env = io.env ?? readEnv();
  // As a run reads it: from the process environment, not .env.
  const project = projectFile(io.env ?? process.env);
  let config: Config;
  try {
    config = loadConfig(env);
    // What `elt run` refuses before it starts is doctor's configuration error too.
    loadProjectConfig(project);
    if (opts.alertTest && !config.alertWebhook) throw new ConfigError("--alert-test: ELT_ALERT_WEBHOOK is not set (set it to the webhook URL the test alert goes to)");
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    write(opts.json ? JSON.stringify({ ok: false, error: err.message }, null, 2) + "\n" : `${paint.red("configuration error")}: ${err.message}\n`);
    return 2;
  }

  const settings = describe(config, env, project);
  const objectStore = await checkObjectStore(config);
  const gold = objectStore.verdict === "fail" || objectStore.missing_buckets?.includes("gold") ? [] : [await checkGold(config)];
  // Set whenever --alert-test is: refused above otherwise.
  const webhook = opts.alertTest ? config.alertWebhook : undefined;
  const alert = webhook ? [await checkAlert(webhook, config.apiUrl)] : [];
  const checks = [objectStore, await checkServingStore(config), ...gold, ...alert].map((c) => ({
    ...c,
    detail: redact(c.detail, secretsOf(config)),
  }));
  const ok = checks.every((c) => c.verdict !== "fail");
  if (opts.json) {
    write(JSON.stringify({ ok, config: Object.fromEntries(settings.map((s) => [s.name, s.value])), checks }, null, 2) + "\n");
    return ok ? 0 : 1;
  }

  const width = Math.max(...settings.map((s) => s.name.length));
  const lines = [paint.bold("configuration")];
  for (const s of settings) {
    const value = s.value ?? paint.dim(`(unset${s.unsetMeans ? `: ${s.unsetMeans}` : ""})`);
    lines.push(`  ${s.name.padEnd(width)}  ${value}`);
  }
  lines.push("", paint.bold("checks"));
  const mark = { ok: paint.green("ok  "), warn: paint.yellow("warn"), fail: paint.red("FAIL") };
  for (const c of checks) lines.push(`  ${mark[c.verdict]}  ${c.name.padEnd(13)}  ${c.location}: ${c.detail}`);
  write(lines.join("\n") + "\n");
  return ok ? 0 : 1;
}

/** Every setting by the variable that sets it; secrets shown only as set or not. */
function describe(config: Config, env: Record<string, string | undefined>, project: ProjectFile): Setting[] {
  const { s3 } = config;
  const secret = (v: string | undefined) => (v === undefined ? null : MASK);
  const seconds = (ms: number | undefined) => (ms === undefined ? null : String(ms / 1000));
  return [
    { name: "ELT_HOME", value: config.home },
    {
      name: "MINIO_ENDPOINT",
      value: s3 ? `${s3.endPoint}${s3.port === undefined ? "" : `:${s3.port}`}` : null,
      unsetMeans: `objects in folders under ${join(config.home, "lake")}`,
    },
    { name: "MINIO_ACCESS_KEY", value: secret(s3?.accessKey) },
    { name: "MINIO_SECRET_KEY", value: secret(s3?.secretKey) },
    { name: "MINIO_SECURE", value: s3 ? String(s3.useSSL) : null },
    // The folder store ignores the bucket variables: with S3 only, each bucket's name as used.
    { name: "ELT_BUCKET_PREFIX", value: s3 ? (envSchema.shape.ELT_BUCKET_PREFIX.parse(env.ELT_BUCKET_PREFIX) ?? null) : null },
    ...BUCKETS.map((b) => ({ name: bucketVariable(b), value: s3?.buckets?.[b] ?? null })),
    { name: "ELT_STORE_TIMEOUT_SECONDS", value: seconds(s3?.timeoutMs) },
    { name: "ELT_STORE_RETRY_SECONDS", value: seconds(s3?.retryMs) },
    ...servingSettingLines(config),
    { name: "API_URL", value: config.apiUrl },
    { name: "API_KEY", value: secret(config.apiKey), unsetMeans: "the API answers without a key" },
    { name: "ELT_ALERT_WEBHOOK", value: secret(config.alertWebhook), unsetMeans: "no alerts" },
    { name: "ELT_KEEP_RUNS", value: Number.isFinite(config.keepRuns) ? String(config.keepRuns) : "all" },
    {
      name: "ELT_CONFIG",
      value: project.named ? project.path : null,
      unsetMeans: existsSync(project.path) ? project.path : `no ${PROJECT_FILE} here: the default quality thresholds`,
    },
  ];
}

async function checkObjectStore(config: Config): Promise<Check> {
  const store = await openObjectStore(config);
  const check = { name: "object store", location: store.location } as const;
  try {
    const missing = await store.missingBuckets();
    const reached = config.s3 ? "reachable, credentials accepted" : "readable";
    if (missing.length === 0) return { ...check, verdict: "ok", detail: `${reached}, buckets present`, missing_buckets: [] };
    return {
      ...check,
      verdict: "warn",
      detail: `${reached}; missing buckets: ${missing.join(", ")} (the next run creates them)`,
      missing_buckets: missing,
    };
  } catch (err) {
    return { ...check, verdict: "fail", detail: errorLine(err) };
  } finally {
    await store.close?.();
  }
}

/**
 * The latest gold tables must all be one run's: a publish a killed process left half-done is
 * finished here first (and said), then every latest file is compared with its run's version.
 */
async function checkGold(config: Config): Promise<Check> {
  // Loaded here: `elt --help` reads this file and must not load a layer.
  const { finishUnfinishedPublish } = await import("../flows/unfinished-publish.ts");
  const { ALL_GOLD_KEYS, latestNotFrom, readPublishing } = await import("../pipeline/gold/versions.ts");
  const { readState } = await import("../pipeline/layer-state.ts");
  const store = await openObjectStore(config);
  const check = { name: "gold tables", location: `${store.location} gold` } as const;
  try {
    const publish = await finishUnfinishedPublish(store, "elt doctor");
    if (publish.state === "in progress") return { ...check, verdict: "warn", detail: `run ${publish.run} is being published (${publish.holder})` };
    const state = await readState(store, "gold");
    if (!state) return { ...check, verdict: "ok", detail: "nothing published yet" };
    const differ = await latestNotFrom(store, state.run_id);
    if (differ.length > 0) {
      const marker = await readPublishing(store);
      if (marker) return { ...check, verdict: "warn", detail: `run ${marker.run_id} is being published` };
      return {
        ...check,
        verdict: "fail",
        detail:
          `the latest tables are not all from run ${state.run_id}: ${differ.length} of ${ALL_GOLD_KEYS.length} files differ ` +
          `from its version (${differ.join(", ")}); \`elt run gold --force\` or \`elt rollback\` publishes one whole run`,
      };
    }
    const whole = `all ${ALL_GOLD_KEYS.length} latest files are run ${state.run_id}'s`;
    if (publish.state === "finished") {
      return { ...check, verdict: "warn", detail: `the publish of run ${publish.run} was left unfinished by a killed process: finished it; ${whole}` };
    }
    return { ...check, verdict: "ok", detail: whole };
  } catch (err) {
    return { ...check, verdict: "fail", detail: errorLine(err) };
  } finally {
    await store.close?.();
  }
}

async function checkServingStore(config: Config): Promise<Check> {
  const target = servingTarget(config);
  const check = { name: "serving store", location: target.location } as const;
  try {
    const serving = await target.open({ create: false });
    try {
      await serving.ping();
    } finally {
      await serving.close();
    }
    return { ...check, verdict: "ok", detail: target.reachable };
  } catch (err) {
    // Nothing exported yet is a fresh lake, not a broken one.
    return { ...check, verdict: isNotFound(err) ? "warn" : "fail", detail: errorLine(err) };
  }
}

/** A webhook URL's secret is its path and query (Slack's token is there): only where it goes is shown. */
function maskedUrl(url: string): string {
  const { protocol, host } = new URL(url);
  return `${protocol}//${host}/${MASK}`;
}

/** `--alert-test`: a test alert to the webhook, with the delivery's retries and time bound. */
async function checkAlert(url: string, apiUrl: string): Promise<Check> {
  const { hostname } = await import("node:os");
  const { testAlertPayload } = await import("../alerts/payload.ts");
  const { deliverAlert } = await import("../alerts/webhook.ts");
  const delivery = await deliverAlert(url, testAlertPayload(hostname(), `${apiUrl}/ui`), { deadlineMs: 5_000 });
  const check = { name: "alert webhook", location: maskedUrl(url) } as const;
  const attempts = `${delivery.attempts} attempt${delivery.attempts === 1 ? "" : "s"}`;
  return delivery.delivered
    ? { ...check, verdict: "ok", detail: `test alert delivered (${attempts})` }
    : { ...check, verdict: "fail", detail: `test alert not delivered after ${attempts}: ${delivery.error}` };
}
