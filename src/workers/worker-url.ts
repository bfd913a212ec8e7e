/**
 * Where a worker's module is, by its path under src/. Run from source, that is a file of the
 * tree; in the compiled executable each worker is an embedded entry point (package.json's
 * build script lists them) named by that same path. This file sits one folder below src/.
 */
const FROM_SOURCE = import.meta.path.endsWith("worker-url.ts");

export function workerUrl(path: string): string {
  return FROM_SOURCE ? new URL(`../${path}`, import.meta.url).href : `./${path}`;
}
