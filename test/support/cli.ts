import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { RunRecord } from "../../src/runner/record.ts";

/** The CLI as a user runs it, in a child process, for the suites that test whole commands. */

export const ROOT = resolve(import.meta.dir, "../..");
const CLI = join(ROOT, "src/cli.ts");

export interface Finished {
  code: number;
  out: string;
  err: string;
}

/** A minimal environment (no colour), plus what the test adds. */
export const baseEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  NO_COLOR: "1",
  ...extra,
});

export interface Running {
  child: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** Standard error so far, read as it comes. */
  err(): string;
  done: Promise<Finished>;
}

export interface EltOptions {
  cwd?: string;
  env: Record<string, string>;
  /** The command that is elt: the source by default, `[await compiledElt()]` for the executable. */
  elt?: string[];
}

/**
 * Starts `elt ARGS`. Both outputs are drained from the start: a child blocked on a full pipe
 * would never reach the moment a test waits for.
 */
export function spawnElt(args: string[], options: EltOptions): Running {
  const child = Bun.spawn([...(options.elt ?? [process.execPath, CLI]), ...args], {
    cwd: options.cwd,
    env: options.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let err = "";
  const drained = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) err += decoder.decode(chunk, { stream: true });
  })();
  const out = new Response(child.stdout).text();
  const done = Promise.all([child.exited, out, drained]).then(([code, out]) => ({ code, out, err }));
  return { child, err: () => err, done };
}

/** Runs `elt ARGS` to its end without blocking this process (servers in it keep answering). */
export function runElt(args: string[], options: EltOptions): Promise<Finished> {
  return spawnElt(args, options).done;
}

export interface Serving {
  /** e.g. http://127.0.0.1:41234 */
  base: string;
  proc: ReturnType<typeof Bun.spawn>;
  /** Everything it printed to stdout so far (the banner, then one line per request). */
  output(): string;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number>;
}

/** `elt serve --port 0 [ARGS]` in a child process (the source, or an executable given), once it prints where it listens. */
export async function startServe(env: Record<string, string>, cwd?: string, elt: string[] = [process.execPath, CLI], args: string[] = []): Promise<Serving> {
  const proc = Bun.spawn([...elt, "serve", "--port", "0", ...args], { cwd, env, stdout: "pipe", stderr: "pipe" });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let output = "";
  while (!/http:\/\/[\d.]+:\d+/.test(output)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`elt serve did not start: ${output}${await new Response(proc.stderr as ReadableStream).text()}`);
    output += decoder.decode(value, { stream: true });
  }
  // Drained all along: a server blocked on a full pipe would stop answering.
  const drained = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) output += decoder.decode(r.value, { stream: true });
  })();
  return {
    base: /http:\/\/[\d.]+:\d+/.exec(output)![0],
    proc,
    output: () => output,
    async stop() {
      proc.kill("SIGTERM");
      const code = await proc.exited;
      await drained;
      return code;
    },
  };
}

/** The run record a process wrote, read straight from a folder lake's `runs` bucket. */
export function recordOfPid(runsDir: string, pid: number): RunRecord | null {
  if (!existsSync(runsDir)) return null;
  for (const id of readdirSync(runsDir)) {
    const path = join(runsDir, id, "run.json");
    if (!existsSync(path)) continue;
    const record = JSON.parse(readFileSync(path, "utf8")) as RunRecord;
    if (record.pid === pid) return record;
  }
  return null;
}
