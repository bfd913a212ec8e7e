import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The executable as `npm run build` makes it (package.json's build script, with its entry
 * points, run with this Bun), built once per test process into a temp folder and shared by
 * every suite that runs the real binary.
 */
const ROOT = resolve(import.meta.dir, "../..");

async function buildCommand(out: string): Promise<string[]> {
  const script: string = (await Bun.file(join(ROOT, "package.json")).json()).scripts.build;
  const [bun, ...args] = script.split(/\s+/);
  if (bun !== "bun") throw new Error(`unexpected build script: ${script}`);
  return [process.execPath, ...args.map((arg, i) => (args[i - 1] === "--outfile" ? out : arg))];
}
let built: Promise<string> | undefined;

export function compiledElt(): Promise<string> {
  built ??= (async () => {
    const out = join(mkdtempSync(join(tmpdir(), "elt-build-")), "elt");
    const p = Bun.spawn(await buildCommand(out), {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    if ((await p.exited) !== 0) throw new Error(`bun build --compile failed: ${await new Response(p.stderr).text()}`);
    return out;
  })();
  return built;
}
