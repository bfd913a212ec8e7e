import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "./child.ts";
import { median } from "./stats.ts";

/**
 * What a user waits for before the executable does anything: `elt --help` of the executable
 * `npm run build` makes, against a one-line program compiled by the same Bun (Bun's own
 * start-up and the size of its runtime, which elt cannot go below).
 */

export interface StartupResult {
  /** Medians over the rounds, each a fresh process, spawn to exit. */
  helpMs: number;
  floorMs: number;
  bytes: number;
  floorBytes: number;
  rounds: number;
}

async function build(args: string[], cwd: string): Promise<void> {
  const child = Bun.spawn([process.execPath, ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  if ((await child.exited) !== 0) throw new Error(`\`bun ${args.join(" ")}\` failed: ${await new Response(child.stderr).text()}`);
}

async function wallMs(argv: string[]): Promise<number> {
  const started = performance.now();
  const child = Bun.spawn(argv, { stdout: "ignore", stderr: "ignore", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1" } });
  if ((await child.exited) !== 0) throw new Error(`\`${argv.join(" ")}\` failed`);
  return performance.now() - started;
}

export async function benchStartup(workDir: string, rounds = 20): Promise<StartupResult> {
  const dir = join(workDir, "startup");
  await mkdir(dir, { recursive: true });
  await build(["run", "build"], ROOT);
  const elt = join(ROOT, "bin/elt");
  await writeFile(join(dir, "floor.ts"), 'process.stdout.write("usage\\n");\n');
  await build(["build", "--compile", "--minify", join(dir, "floor.ts"), "--outfile", join(dir, "floor")], dir);
  const floor = join(dir, "floor");
  const help: number[] = [];
  const bare: number[] = [];
  // One warm-up each (the page cache), then pairs, so a busy moment weighs on both alike.
  await wallMs([elt, "--help"]);
  await wallMs([floor]);
  for (let i = 0; i < rounds; i++) {
    help.push(await wallMs([elt, "--help"]));
    bare.push(await wallMs([floor]));
  }
  return { helpMs: median(help), floorMs: median(bare), bytes: (await stat(elt)).size, floorBytes: (await stat(floor)).size, rounds };
}
