import { closeSync, constants, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** What the kernel says of direct I/O, for the tests of the files that use it. */

const O_DIRECT: number | undefined = constants.O_DIRECT;

/**
 * Whether `dir`'s file system opens files for direct I/O (tmpfs before Linux 6.6 does not).
 * Asked of the kernel, not of DirectFile: a DirectFile that never went direct would skip its own tests.
 */
export function directIoIn(dir: string): boolean {
  if (process.platform !== "linux" || O_DIRECT === undefined) return false;
  const probe = join(dir, ".direct-probe");
  try {
    closeSync(openSync(probe, constants.O_WRONLY | constants.O_CREAT | O_DIRECT));
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
  }
}

/** Whether the kernel has O_DIRECT set on descriptor `fd` of this process. */
export function kernelDirect(fd: number): boolean {
  const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))![1]!;
  return (Number.parseInt(flags, 8) & O_DIRECT!) !== 0;
}
