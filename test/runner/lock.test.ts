import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { PID_NAMESPACE } from "../../src/core/processes.ts";
import { acquireLock } from "../../src/runner/lock.ts";
import { FolderStore } from "../../src/storage/folder.ts";

let dir: string;
let store: FolderStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-lock-"));
  store = new FolderStore(dir);
  await store.ensureBuckets();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test("a second writer is refused with the holder named, or waits with --wait", async () => {
  const first = await acquireLock(store, "elt run --all", { wait: false });
  expect(acquireLock(store, "elt run silver", { wait: false })).rejects.toThrow(
    /another elt process is writing to this lake: elt run --all \(pid \d+ on .+\); use --wait to wait for it/,
  );
  const waited: string[] = [];
  const order: string[] = [];
  const second = acquireLock(store, "elt run gold", { wait: true, pollMs: 20, onWait: (h) => waited.push(h) }).then((l) => {
    order.push("second acquired");
    return l;
  });
  await Bun.sleep(400);
  order.push("first released");
  await first.release();
  const lock = await second;
  expect(order).toEqual(["first released", "second acquired"]);
  expect(waited.length).toBe(1);
  expect(waited[0]).toContain("elt run --all");
  await lock.release();
  expect(await store.stat("runs", "_lock.json")).toBeNull();
});

test("a lock left by a killed process is broken", async () => {
  const dead = {
    token: "old",
    what: "elt run --all",
    host: hostname(),
    pid: 2 ** 22 + 4321,
    started_at: new Date().toISOString(),
    heartbeat_at: new Date().toISOString(),
  };
  await store.put("runs", "_lock.json", JSON.stringify(dead));
  const lock = await acquireLock(store, "elt run --all", { wait: false });
  const held = JSON.parse(await Bun.file(join(dir, "runs", "_lock.json")).text());
  expect(held.pid).toBe(process.pid);
  await lock.release();
});

test("a lock of another pid namespace (a container under this hostname) is not judged by its pid", async () => {
  const other = {
    token: "theirs",
    what: "elt run --all",
    host: hostname(),
    // Dead here, maybe alive in its container: only the heartbeat can say.
    pid: 2 ** 22 + 4321,
    pid_ns: `${PID_NAMESPACE}1`,
    started_at: new Date().toISOString(),
    heartbeat_at: new Date().toISOString(),
  };
  await store.put("runs", "_lock.json", JSON.stringify(other));
  await expect(acquireLock(store, "elt run --all", { wait: false })).rejects.toThrow(/another elt process is writing to this lake/);
  // Of this namespace, the same pid is known gone and the lock is broken.
  await store.put("runs", "_lock.json", JSON.stringify({ ...other, pid_ns: PID_NAMESPACE }));
  const lock = await acquireLock(store, "elt run --all", { wait: false });
  expect(JSON.parse(await Bun.file(join(dir, "runs", "_lock.json")).text())).toMatchObject({ pid: process.pid, pid_ns: PID_NAMESPACE });
  await lock.release();
});
