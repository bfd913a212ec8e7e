import { resolve } from "node:path";
import { ThreadCpu } from "./thread-cpu.ts";

/** The project root, so the bench runs the same whatever the working directory. */
export const ROOT = resolve(import.meta.dir, "..");
export const CLI = resolve(ROOT, "src/cli.ts");

/** What one child process cost, seen from outside it. */
export interface ChildRun {
  wallMs: number;
  /** Peak resident set size of the child (its own resource usage, in bytes). */
  maxRssBytes: number;
  cpuMs: number;
  stdout: string;
  /** With `threads`, where /proc can be read: CPU milliseconds by thread name (thread-cpu.ts). */
  threadCpuMs?: Record<string, number>;
}

/**
 * The environment of a measured child: the embedded default only (no object store, serving
 * store or API key from the bench's own environment), colours off, and `extra` on top.
 */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(MINIO_|MONGODB_|API_KEY$|API_URL$|ELT_)/.test(k)) env[k] = v;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/**
 * Runs `bun <args>` in a fresh process and waits for it. A non-zero exit is an error carrying
 * the end of its stderr, so a failing stage stops the bench with the reason.
 */
export async function runChild(args: string[], options: { env: Record<string, string>; cwd: string; threads?: boolean }): Promise<ChildRun> {
  const started = performance.now();
  const child = Bun.spawn([process.execPath, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const threads = options.threads ? ThreadCpu.of(child.pid) : undefined;
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const wallMs = performance.now() - started;
  const threadCpuMs = threads?.stop();
  if (code !== 0) {
    const tail = stderr.trim().split("\n").slice(-5).join("\n");
    throw new Error(`\`bun ${args.join(" ")}\` exited with ${code}:\n${tail}`);
  }
  const usage = child.resourceUsage();
  return {
    wallMs,
    maxRssBytes: usage?.maxRSS ?? 0,
    cpuMs: usage ? Number(usage.cpuTime.total) / 1000 : 0,
    stdout,
    threadCpuMs,
  };
}
