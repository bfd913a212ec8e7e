import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The executable as `npm run build` makes it (`bun build --compile`), built once per test
 * process into a temp folder and shared by every suite that runs the real binary.
 */
const ROOT = resolve(import.meta.dir, "../..");
let built: Promise<string> | undefined;

export function compiledElt(): Promise<string> {
  built ??= (async () => {
    const out = join(mkdtempSync(join(tmpdir(), "elt-build-")), "elt");
    const p = Bun.spawn([process.execPath, "build", "--compile", join(ROOT, "src/cli.ts"), "--outfile", out], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    if ((await p.exited) !== 0) throw new Error(`bun build --compile failed: ${await new Response(p.stderr).text()}`);
    return out;
  })();
  return built;
}
