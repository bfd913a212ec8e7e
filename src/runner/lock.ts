import { hostname } from "node:os";
import { runKeys } from "../contract/lake.ts";
import { EltError } from "../core/errors.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { readJsonOrNull } from "../storage/object-store.ts";
import { THIS_PROCESS, knownDead } from "../core/processes.ts";
import { STALE_AFTER_MS } from "./run-store.ts";

/**
 * One writer at a time per lake: a lock object `runs/_lock.json`, kept alive by a heartbeat.
 * A free lock is created only if absent; a stale one is deleted first. A store that creates
 * atomically (the folder store) gives the lock at once. Otherwise (not every S3 server has a
 * compare-and-swap) a writer waits a moment and reads its token back: of two writers racing,
 * only the last one to write keeps the lock and the other sees it is not its own and waits.
 */

const KEY = runKeys.lock;
const SETTLE_MS = 250;
const HEARTBEAT_MS = 5_000;

interface LockBody {
  token: string;
  what: string;
  host: string;
  pid: number;
  /** The holder's pid namespace (absent in locks of an earlier elt). */
  pid_ns?: string;
  started_at: string;
  heartbeat_at: string;
}

/** Another live process holds the lake's lock, and the caller chose not to wait. */
export class LockHeld extends EltError {
  constructor(readonly holder: string) {
    super(`another elt process is writing to this lake: ${holder}; use --wait to wait for it`);
  }
}

export interface Lock {
  release(): Promise<void>;
}

function stale(lock: LockBody, now = Date.now()): boolean {
  if (knownDead(lock.host, lock.pid, lock.pid_ns, hostname())) return true;
  return now - Date.parse(lock.heartbeat_at) > STALE_AFTER_MS;
}

export interface LockOptions {
  /** Wait for the holder to finish instead of refusing. */
  wait: boolean;
  onWait?: (holder: string) => void;
  onLost?: (holder: string) => void;
  pollMs?: number;
  /** Aborted while waiting: the wait ends with the abort's reason, nothing taken. */
  signal?: AbortSignal;
}

export async function acquireLock(store: ObjectStore, what: string, options: LockOptions): Promise<Lock> {
  const token = crypto.randomUUID();
  const body = (): LockBody => ({
    token,
    what,
    host: hostname(),
    ...THIS_PROCESS,
    started_at: startedAt,
    heartbeat_at: new Date().toISOString(),
  });
  const startedAt = new Date().toISOString();
  let told = false;
  for (;;) {
    const held = await readJsonOrNull<LockBody>(store, "runs", KEY);
    if (held && held.token !== token && !stale(held)) {
      const holder = `${held.what} (pid ${held.pid} on ${held.host}, since ${held.started_at})`;
      if (!options.wait) {
        throw new LockHeld(holder);
      }
      if (!told) options.onWait?.(holder);
      told = true;
      await Bun.sleep(options.pollMs ?? 1000);
      options.signal?.throwIfAborted();
      continue;
    }
    if (held) {
      // A stale lock is removed (unless it changed since it was read), never written over.
      const again = await readJsonOrNull<LockBody>(store, "runs", KEY);
      if (again?.token === held.token) await store.delete("runs", KEY);
      continue;
    }
    if (!(await store.putIfAbsent("runs", KEY, JSON.stringify(body())))) continue;
    if (store.capabilities.atomicCreate) break;
    // Two writers may both have found the key free: the last one's write stays, so each waits
    // a moment and reads it back.
    await Bun.sleep(SETTLE_MS);
    const now = await readJsonOrNull<LockBody>(store, "runs", KEY);
    if (now?.token === token) break;
  }
  let beating: Promise<unknown> = Promise.resolve();
  const beat = setInterval(() => {
    beating = (async () => {
      // Never re-take a lock another process broke as stale: say so and stop beating instead.
      const held = await readJsonOrNull<LockBody>(store, "runs", KEY);
      if (held && held.token !== token) {
        clearInterval(beat);
        options.onLost?.(`${held.what} (pid ${held.pid} on ${held.host})`);
        return;
      }
      await store.put("runs", KEY, JSON.stringify(body()));
    })().catch(() => {});
  }, HEARTBEAT_MS);
  return {
    async release() {
      clearInterval(beat);
      await beating; // a beat landing after the delete would leave our lock behind
      const held = await readJsonOrNull<LockBody>(store, "runs", KEY);
      if (held?.token === token) await store.delete("runs", KEY);
    },
  };
}
