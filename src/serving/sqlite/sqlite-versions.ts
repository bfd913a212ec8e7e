import { mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { isStaleSession, stagingSession } from "../staging.ts";

/**
 * Whole versions of the SQLite store: `serving.sqlite` is a symbolic link to one file of
 * `serving.sqlite.d/`, and an export that builds a new file swaps the link with one rename.
 * SQLite follows the link to name a database's `-wal` and `-shm` files, so every version has
 * its own and no connection ever meets another file's write-ahead log (which renaming a file
 * over a database in WAL mode would risk).
 *
 * The version just replaced stays until the next swap: a connection still open on it (elt's
 * readers reopen at their next read; another program's keep it) reads it whole, where SQLite
 * would fail its reads with an I/O error once its file is removed.
 */

const SUFFIX = ".sqlite";
const BUILDING = ".building";
const COMPANIONS = ["", "-wal", "-shm", "-journal"];
/** `<session>.sqlite` and its companions, `<session>.building`, or a swap's `<session>.sqlite.link`. */
const NAME = /^([0-9a-z]+_\d+_[0-9a-f]{8})(\.building|\.sqlite(-wal|-shm|-journal|\.link)?)$/;

/** The folder of a store's versions. */
export const versionsDir = (location: string) => `${location}.d`;

/** Where a new version is written, named by its session like staging tables; not a version until `finishVersion`. */
export function newVersion(location: string, now: number): string {
  const dir = versionsDir(location);
  mkdirSync(dir, { recursive: true });
  return join(dir, `${stagingSession(now)}${BUILDING}`);
}

/** The written file renamed as a version, before SQLite first opens it (its `-wal` is named after it). */
export function finishVersion(building: string): string {
  const version = building.slice(0, -BUILDING.length) + SUFFIX;
  renameSync(building, version);
  return version;
}

/** The version served now, by name, when the store is one of the folder's. */
function currentVersion(location: string): string | undefined {
  try {
    return basename(readlinkSync(location));
  } catch {
    return undefined;
  }
}

/** Serves `version` from now on, with one rename of a link over `location`; then removes all but it and the one it replaced. */
export function swapIn(location: string, version: string): void {
  const previous = currentVersion(location);
  const link = `${version}.link`;
  rmSync(link, { force: true });
  symlinkSync(join(basename(versionsDir(location)), basename(version)), link);
  renameSync(link, location);
  const keep = new Set([basename(version), previous]);
  removeVersions(location, (base, building) => !keep.has(base) && !building);
  // A plain file served before the first version is two swaps old now: its companions go too.
  if (previous !== undefined) for (const suffix of COMPANIONS.slice(1)) rmSync(location + suffix, { force: true });
}

/**
 * Removes what killed exports left: files being written by a process that is gone (or began
 * over an hour ago), a swap's link, a version never swapped in; and the version the current
 * one replaced. Runs as an export starts; the files are removed on another thread (freeing a
 * file of hundreds of megabytes takes the system tens of milliseconds), and the answer settles
 * once they are gone.
 */
export function removeStaleVersions(location: string, now: number): Promise<void> {
  const current = currentVersion(location);
  const doomed: string[] = [];
  removeVersions(
    location,
    (base, building, session) => base !== current && (!building || isStaleSession(session, { now, sameHost: true })),
    (path) => doomed.push(path),
  );
  return Promise.all(doomed.map((path) => rm(path, { force: true }))).then(() => {});
}

/** Removes a version being written or written, with its companions. */
export function removeVersion(path: string): void {
  const base = path.endsWith(BUILDING) ? path.slice(0, -BUILDING.length) : path.slice(0, -SUFFIX.length);
  for (const name of [BUILDING, ...COMPANIONS.map((c) => SUFFIX + c), `${SUFFIX}.link`]) rmSync(base + name, { force: true });
}

/**
 * Removes the folder's files of versions `doomed` says go: by the version's file name, whether
 * it is still being written (or its swap is under way), and its session.
 */
function removeVersions(
  location: string,
  doomed: (base: string, building: boolean, session: string) => boolean,
  remove: (path: string) => void = (path) => rmSync(path, { force: true }),
): void {
  const dir = versionsDir(location);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = NAME.exec(name);
    if (!match) continue;
    const building = match[2] === BUILDING || match[3] === ".link";
    if (doomed(`${match[1]}${SUFFIX}`, building, match[1]!)) remove(join(dir, name));
  }
}
