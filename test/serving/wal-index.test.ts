import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WalIndexWatch } from "../../src/serving/sqlite/wal-index.ts";

/**
 * The wal-index watch against SQLite's own commits: whatever commits, on another connection or
 * in another process, the watch must stop saying "unchanged"; it says so again only once kept.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "elt-wal-index-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a commit on another connection or in another process moves the header; nothing else says unchanged before a keep", async () => {
  const path = join(dir, "served.sqlite");
  const reader = new Database(path, { create: true, readwrite: true });
  reader.run("PRAGMA journal_mode = WAL");
  reader.run("CREATE TABLE t (x)");
  // Watched through a link, as the serving store's file is.
  const link = join(dir, "link.sqlite");
  symlinkSync(path, link);
  const watch = new WalIndexWatch(link);
  try {
    expect(watch.unchanged()).toBe(false);
    watch.keep();
    expect(watch.unchanged()).toBe(true);
    expect(watch.unchanged()).toBe(true);

    const writer = new Database(path, { readwrite: true });
    writer.run("INSERT INTO t VALUES (1)");
    expect(watch.unchanged()).toBe(false);
    // Until kept, every look says "ask SQLite".
    expect(watch.unchanged()).toBe(false);
    watch.keep();
    expect(watch.unchanged()).toBe(true);
    // A read is no commit.
    expect(writer.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: 1 });
    expect(watch.unchanged()).toBe(true);
    writer.close();

    const other = Bun.spawnSync([process.execPath, "-e", `const { Database } = require("bun:sqlite"); new Database(${JSON.stringify(path)}).run("INSERT INTO t VALUES (2)")`]);
    expect(other.exitCode).toBe(0);
    expect(watch.unchanged()).toBe(false);
    watch.keep();
    // This connection's own commit too.
    reader.run("INSERT INTO t VALUES (3)");
    expect(watch.unchanged()).toBe(false);
  } finally {
    watch.close();
    reader.close();
  }
});

test("a header whose two copies differ (a commit being written), or no -shm file, never reads as unchanged", () => {
  const torn = join(dir, "torn.sqlite");
  const header = new Uint8Array(136).fill(7);
  header[60] = 8;
  writeFileSync(`${torn}-shm`, header);
  writeFileSync(torn, "");
  const watch = new WalIndexWatch(torn);
  watch.unchanged();
  watch.keep();
  expect(watch.unchanged()).toBe(false);
  watch.close();

  const none = new WalIndexWatch(join(dir, "never-opened.sqlite"));
  none.keep();
  expect(none.unchanged()).toBe(false);
  none.close();
});
