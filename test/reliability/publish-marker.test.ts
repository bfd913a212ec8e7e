import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { goldKeys, runKeys } from "../../src/contract/lake.ts";
import type { LayerState } from "../../src/pipeline/layer-state.ts";
import { ALL_GOLD_KEYS, latestNotFrom } from "../../src/pipeline/gold/versions.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { readJson } from "../../src/storage/object-store.ts";
import { baseEnv, runElt } from "../support/cli.ts";

/**
 * A publish marker left behind, as a killed run leaves it (written here by hand, with one
 * table copied): `elt doctor` leaves it to a live process that holds the lake's lock, and
 * finishes it once none does; `elt rollback` counts it as the latest and undoes it.
 */

let dir: string;
let store: FolderStore;
const runs: { id: string; state: LayerState }[] = [];
const elt = (...args: string[]) => runElt(args, { cwd: dir, env: baseEnv() });
const goldCheck = async () => {
  const { out } = await elt("doctor", "--json");
  return (JSON.parse(out) as { checks: { name: string; verdict: string; detail: string }[] }).checks.find((c) => c.name === "gold tables")!;
};

/** What a publish of `run` killed after its first copy leaves. */
async function leaveUnfinished(run: { id: string; state: LayerState }): Promise<void> {
  await store.put("gold", goldKeys.publishing, JSON.stringify({ run_id: run.id, started_at: new Date().toISOString(), state: run.state }));
  await store.copy("gold", goldKeys.version(run.id, ALL_GOLD_KEYS[0]!), "gold", ALL_GOLD_KEYS[0]!);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "elt-publish-marker-"));
  store = new FolderStore(join(dir, ".elt", "lake"));
  for (const seed of ["1", "2"]) {
    expect((await elt("generate", "--clients", "30", "--seed", seed, "--as-of", "2026-06-30", "--force")).code).toBe(0);
    expect((await elt("run", "--all", "--as-of", "2026-06-30")).code).toBe(0);
    const state = await readJson<LayerState>(store, "gold", "_state.json");
    runs.push({ id: state.run_id, state });
    await Bun.sleep(1100); // run ids carry the start second
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("doctor leaves a publish to the live process holding the lock, and finishes it once that is gone", async () => {
  const [first, second] = runs as [(typeof runs)[0], (typeof runs)[0]];
  await leaveUnfinished(first);
  const now = new Date().toISOString();
  const lock = { token: "t", what: "elt run --all", host: hostname(), pid: process.pid, started_at: now, heartbeat_at: now };
  await store.put("runs", runKeys.lock, JSON.stringify(lock));
  expect(await goldCheck()).toMatchObject({
    verdict: "warn",
    detail: expect.stringMatching(new RegExp(`^run ${first.id} is being published \\(another elt process is writing to this lake: elt run --all \\(pid ${process.pid}`)),
  });
  expect(await store.stat("gold", goldKeys.publishing)).not.toBeNull();
  expect(await latestNotFrom(store, second.id)).toEqual([ALL_GOLD_KEYS[0]!]);

  await store.delete("runs", runKeys.lock);
  expect((await goldCheck()).verdict).toBe("warn");
  expect(await store.stat("gold", goldKeys.publishing)).toBeNull();
  expect(await latestNotFrom(store, first.id)).toEqual([]);
  expect((await readJson<LayerState>(store, "gold", "_state.json")).run_id).toBe(first.id);
  expect(await goldCheck()).toMatchObject({ verdict: "ok", detail: `all 20 latest files are run ${first.id}'s` });
});

test("rollback from an unfinished publish undoes it: the run before it is published whole", async () => {
  const [first, second] = runs as [(typeof runs)[0], (typeof runs)[0]];
  await leaveUnfinished(second);
  const { code, out } = await elt("rollback", "--json");
  expect(code).toBe(0);
  expect(JSON.parse(out)).toMatchObject({ restored: first.id, previous: second.id });
  expect(await store.stat("gold", goldKeys.publishing)).toBeNull();
  expect(await latestNotFrom(store, first.id)).toEqual([]);
  expect((await goldCheck()).verdict).toBe("ok");
});
