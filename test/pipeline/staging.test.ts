import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StagedFile } from "../../src/pipeline/staging.ts";
import { directIoIn } from "../support/direct-io.ts";

/**
 * A staged file holds exactly what it was given, in order, whatever the sizes of the writes and
 * whether it skips the page cache (which a direct one does to its end where the file system takes it).
 */

const dir = mkdtempSync(join(tmpdir(), "elt-staging-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DIRECT_HERE = directIoIn(dir);

const KIB = 1024;
const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

/** Writes around the buffer's size (1 MiB) and a direct block's (4 KiB): just under, just over, far over, and text of 1 to 4 UTF-8 bytes a character. */
const WRITES: (string | Uint8Array)[] = [
  bytes(4, 1),
  bytes(600 * KIB, 2),
  "id,nom,é,日本,😀\n",
  bytes(4 * KIB - 3, 3),
  bytes(3 * KIB * KIB + 5, 4),
  "x".repeat(400 * KIB),
  bytes(1, 5),
  "ü".repeat(300 * KIB),
  bytes(1024 * KIB, 6),
  bytes(17, 7),
  // Leaves a direct file 1000 bytes past a block after a flush: text then needs the room it can take.
  bytes(7096, 9),
  "日".repeat(349_000),
];

describe.each([false, true])("StagedFile, direct %p", (direct) => {
  test("holds every write in the order given", () => {
    const path = join(dir, `mixed-${direct}`);
    const file = new StagedFile(path, { direct });
    for (const data of WRITES) file.write(data);
    expect(file.direct).toBe(direct && DIRECT_HERE);
    file.close();
    expect(readFileSync(path)).toEqual(Buffer.concat(WRITES.map((w) => (typeof w === "string" ? Buffer.from(w) : w))));
  });

  test.each([0, 1, 4096, 4097, 1 << 20])("a file of %p bytes", (length) => {
    const path = join(dir, `exact-${direct}-${length}`);
    const file = new StagedFile(path, { direct });
    file.write(bytes(length, 8));
    file.close();
    expect(readFileSync(path)).toEqual(Buffer.from(bytes(length, 8)));
  });
});
