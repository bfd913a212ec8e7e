import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CLI, ROOT, childEnv, runChild } from "./child.ts";

/**
 * The bench's datasets: `elt generate` output of about 100k, 1M and 10M purchases (clients ×
 * 5 on average, SPEC's defects at the default 2 % rate), cached by their parameters and by the
 * generator's source, so a changed generator never serves stale files.
 */

export const SIZES = {
  "100k": { clients: 20_000 },
  "1m": { clients: 200_000 },
  "10m": { clients: 2_000_000 },
} as const;
export type SizeName = keyof typeof SIZES;

export const DEFAULT_SIZES: SizeName[] = ["100k", "1m"];

const AVG_PURCHASES = 5;
const SEED = 42;
const DIRTY_RATE = 0.02;

export function parseSizes(text: string): SizeName[] {
  const names = text
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const name of names) {
    if (!Object.hasOwn(SIZES, name)) throw new Error(`unknown size "${name}": expected ${Object.keys(SIZES).join(", ")}`);
  }
  return [...new Set(names)] as SizeName[];
}

export interface Dataset {
  size: SizeName;
  dir: string;
  files: { clients: string; achats: string };
  rows: { clients: number; achats: number };
  bytes: { clients: number; achats: number };
  /** The defects the generator wrote, per reject reason: what a correct silver rejects. */
  defects: { clients: Record<string, number>; achats: Record<string, number> };
  /** Set when this run generated the files (not found in the cache). */
  generatedMs?: number;
}

interface GenerateReport {
  clients: { rows: number; defects: Record<string, number> };
  achats: { rows: number; defects: Record<string, number> };
}

function generatorHash(): string {
  const dir = join(ROOT, "src/pipeline/generate");
  const hasher = new Bun.CryptoHasher("sha256");
  // Sorted: the order a file system lists names in must not change the key.
  for (const name of readdirSync(dir).sort()) hasher.update(`${name}\0`).update(readFileSync(join(dir, name)));
  return hasher.digest("hex").slice(0, 12);
}

/** The dataset of a size, generated into the cache on first use. */
export async function dataset(size: SizeName, cacheDir: string, asOf: string): Promise<Dataset> {
  const { clients } = SIZES[size];
  const key = `${size}-c${clients}-p${AVG_PURCHASES}-s${SEED}-d${DIRTY_RATE}-${asOf}-g${generatorHash()}`;
  const dir = join(cacheDir, "data", key);
  const reportFile = join(dir, "report.json");
  let generatedMs: number | undefined;
  if (!existsSync(reportFile)) {
    const partial = `${dir}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    process.stderr.write(`generating ${size} (${clients.toLocaleString("en-US")} clients) into ${dir}\n`);
    const run = await runChild(
      [
        CLI,
        "generate",
        "--out",
        partial,
        "--clients",
        String(clients),
        "--avg-purchases",
        String(AVG_PURCHASES),
        "--seed",
        String(SEED),
        "--as-of",
        asOf,
        "--dirty-rate",
        String(DIRTY_RATE),
        "--json",
      ],
      { env: childEnv({}), cwd: partial },
    );
    await writeFile(join(partial, "report.json"), run.stdout);
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
    generatedMs = run.wallMs;
    // Files of this size made by another generator or with other parameters will not be read again.
    for (const stale of readdirSync(join(cacheDir, "data"))) {
      if (stale.startsWith(`${size}-`) && stale !== key) await rm(join(cacheDir, "data", stale), { recursive: true, force: true });
    }
  }
  const report = JSON.parse(readFileSync(reportFile, "utf8")) as GenerateReport;
  const files = { clients: join(dir, "clients.csv"), achats: join(dir, "achats.csv") };
  return {
    size,
    dir,
    files,
    rows: { clients: report.clients.rows, achats: report.achats.rows },
    bytes: { clients: statSync(files.clients).size, achats: statSync(files.achats).size },
    defects: { clients: report.clients.defects, achats: report.achats.defects },
    generatedMs,
  };
}
