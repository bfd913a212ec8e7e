import type { LockOptions } from "../runner/lock.ts";

/** What a command that takes the lake's lock tells the user while it waits for it. */
export const lockNotices = (wait: boolean): LockOptions => ({
  wait,
  onWait: (holder) => process.stderr.write(`waiting for the lake's lock, held by ${holder}...\n`),
});
