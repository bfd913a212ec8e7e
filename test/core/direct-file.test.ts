import { afterAll, describe, expect, test } from "bun:test";
import { constants, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DIRECT_ALIGNMENT, DirectFile } from "../../src/core/direct-file.ts";
import { directIoIn, kernelDirect } from "../support/direct-io.ts";

/**
 * Direct writes against the kernel itself: whether a descriptor skips the cache is read from
 * /proc (its flags), and what was written from the file, after the cache was skipped or not.
 */

const dir = mkdtempSync(join(tmpdir(), "elt-direct-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
const pattern = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);

const DIRECT_HERE = directIoIn(dir);
if (!DIRECT_HERE) console.warn("direct-file tests skipped: the temp folder's file system does not open files for direct I/O");

describe.skipIf(!DIRECT_HERE)("DirectFile", () => {
  test("aligned writes stay direct and land where their offsets say", () => {
    const path = join(dir, "aligned");
    const file = new DirectFile(path, CREATE);
    const block = new Uint8Array(DIRECT_ALIGNMENT * 4);
    block.set(pattern(block.length, 1));
    file.write(block, block.length, DIRECT_ALIGNMENT * 2);
    block.set(pattern(block.length, 2));
    file.write(block, DIRECT_ALIGNMENT, 0);
    expect(file.direct).toBe(true);
    expect(kernelDirect(file.fd)).toBe(true);
    file.close();
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(DIRECT_ALIGNMENT * 6);
    expect(bytes.subarray(0, DIRECT_ALIGNMENT)).toEqual(Buffer.from(pattern(DIRECT_ALIGNMENT, 2)));
    expect(bytes.subarray(DIRECT_ALIGNMENT, DIRECT_ALIGNMENT * 2)).toEqual(Buffer.alloc(DIRECT_ALIGNMENT));
    expect(bytes.subarray(DIRECT_ALIGNMENT * 2)).toEqual(Buffer.from(pattern(DIRECT_ALIGNMENT * 4, 1)));
  });

  test("a write the kernel refuses direct (an unaligned buffer) goes through the cache, and so do the next ones", () => {
    const path = join(dir, "unaligned");
    const file = new DirectFile(path, CREATE);
    const raw = new Uint8Array(DIRECT_ALIGNMENT * 3);
    const unaligned = raw.subarray(1, 1 + DIRECT_ALIGNMENT);
    unaligned.set(pattern(DIRECT_ALIGNMENT, 3));
    file.write(unaligned, DIRECT_ALIGNMENT, DIRECT_ALIGNMENT);
    expect(file.direct).toBe(false);
    expect(kernelDirect(file.fd)).toBe(false);
    // The file is renamed and another takes its name: the writes still go to this one.
    const moved = join(dir, "unaligned-moved");
    renameSync(path, moved);
    writeFileSync(path, "another file");
    // Not a multiple of any block, at an odd offset: only the cache takes it.
    file.write(pattern(10, 4), 10, 5);
    file.close();
    expect(readFileSync(path, "utf8")).toBe("another file");
    const bytes = readFileSync(moved);
    expect(bytes.length).toBe(DIRECT_ALIGNMENT * 2);
    expect(bytes.subarray(5, 15)).toEqual(Buffer.from(pattern(10, 4)));
    expect(bytes.subarray(DIRECT_ALIGNMENT)).toEqual(Buffer.from(pattern(DIRECT_ALIGNMENT, 3)));
  });

  test("asked not to, it writes through the cache from the start", () => {
    const file = new DirectFile(join(dir, "cached"), CREATE, false);
    expect(file.direct).toBe(false);
    expect(kernelDirect(file.fd)).toBe(false);
    file.close();
  });
});

/** ramfs refuses O_DIRECT, after creating the file: mounted in a mount namespace of its own, where the tests may (root, unshare). */
const RAMFS_MOUNT = 'mkdir -p "$1" && mount -t ramfs ramfs "$1"';
const RAMFS =
  process.platform === "linux" &&
  Bun.which("unshare") !== null &&
  Bun.spawnSync(["unshare", "-m", "sh", "-c", RAMFS_MOUNT, "sh", join(dir, "ramfs-probe")]).exitCode === 0;
if (!RAMFS) console.warn("ramfs test skipped: no mount namespace of its own can be had here (unshare -m, mount)");

describe.skipIf(!RAMFS)("DirectFile on a file system that refuses direct I/O", () => {
  test("a file created with O_EXCL is written through the cache", () => {
    const mount = join(dir, "ramfs");
    const program = `
      import { constants, readFileSync } from "node:fs";
      import { DirectFile } from ${JSON.stringify(join(import.meta.dir, "../../src/core/direct-file.ts"))};
      const file = new DirectFile(process.argv[1] + "/new", constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
      file.write(new Uint8Array(8192).fill(7), 8192, 0);
      const direct = file.direct;
      file.close();
      const bytes = readFileSync(process.argv[1] + "/new");
      console.log(JSON.stringify({ direct, length: bytes.length, sevens: bytes.every((b) => b === 7) }));
    `;
    const run = Bun.spawnSync(["unshare", "-m", "sh", "-c", `${RAMFS_MOUNT} && "$2" -e "$3" "$1"`, "sh", mount, process.execPath, program]);
    expect(run.stderr.toString()).toBe("");
    expect(JSON.parse(run.stdout.toString())).toEqual({ direct: false, length: 8192, sevens: true });
  });
});
