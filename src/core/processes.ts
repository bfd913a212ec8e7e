import { readlinkSync } from "node:fs";

/** Whether a process of this host with this id exists (one of another user's counts). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * This process's pid namespace (on Linux the number in /proc/self/ns/pid), "" where there is
 * none to read. A pid names a process only within its namespace: two containers on one host
 * each count from 1, even under one hostname (`--network host` gives them the host's), so a
 * pid recorded in another namespace says nothing of a process here.
 */
export const PID_NAMESPACE: string = (() => {
  try {
    return /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1] ?? "";
  } catch {
    return "";
  }
})();

/** What a record says of the process writing it: its pid, and its namespace where there is one to read. */
export const THIS_PROCESS: { pid: number; pid_ns?: string } = { pid: process.pid, ...(PID_NAMESPACE ? { pid_ns: PID_NAMESPACE } : {}) };

/**
 * Whether the process `pid` of `host`, recorded in pid namespace `namespace`, is known gone:
 * only a process of this host and namespace can be looked up. A record without a namespace
 * (written by an earlier elt) is taken as this one's.
 */
export function knownDead(host: string, pid: number, namespace: string | undefined, thisHost: string): boolean {
  return host === thisHost && (namespace ?? PID_NAMESPACE) === PID_NAMESPACE && !processAlive(pid);
}
