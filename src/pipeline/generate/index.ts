/**
 * Synthetic sources: clients.csv and achats.csv with SPEC's headers, streamed and seeded, with
 * defects of every reject code injected at a chosen rate. Every defective row is built to break
 * its rule and no earlier one, and clean rows break none, so the report predicts exactly what
 * silver will count: the generator doubles as silver's oracle.
 */
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { existsSync, statSync } from "node:fs";
import { EltError, UsageError, errorLine } from "../../core/errors.ts";
import { csvLine } from "../../formats/csv.ts";
import { DATASETS } from "../../contract/sources.ts";
import { ACHAT_COLUMNS, CLIENT_COLUMNS } from "../../contract/sources.ts";
import type { AchatRejectCode, ClientRejectCode } from "../../contract/rejects.ts";
import { AchatRows } from "./achats.ts";
import { Calendar } from "./calendar.ts";
import { ClientRows } from "./clients.ts";
import { Rng } from "./rng.ts";

export interface GenerateOptions {
  clients: number;
  avgPurchases: number;
  /** 0 .. 2^32−1 */
  seed: number;
  /** YYYY-MM-DD within AS_OF_RANGE. */
  asOf: string;
  /** Share of rows given a defect, 0 .. MAX_DIRTY_RATE. */
  dirtyRate: number;
}

export const GENERATE_DEFAULTS = { clients: 1500, avgPurchases: 5, dirtyRate: 0.02 } as const;

/** Past half the rows, the "clean" data would be the exception. */
export const MAX_DIRTY_RATE = 0.5;

/** Too-old defects reach 20 years back and future ones a year ahead; both must stay in years 1..9999. */
export const AS_OF_RANGE = ["1000-01-01", "9998-12-31"] as const;

export interface LineSink {
  /** Receives whole lines in batches; a returned promise is awaited, which bounds memory. */
  write(text: string): unknown;
}

export interface GenerateReport {
  seed: number;
  asOf: string;
  clients: { rows: number; defects: Record<ClientRejectCode, number> };
  /** orphans: purchases silver keeps whose client it rejects. */
  achats: { rows: number; defects: Record<AchatRejectCode, number>; orphans: number };
}

export interface GenerateFilesReport extends GenerateReport {
  files: { clients: string; achats: string };
}

const BATCH_CHARS = 1 << 16;

/** Gathers lines into batches; hands a promise back only when a batch went out. */
class Batcher {
  private buffer = "";
  constructor(private readonly sink: LineSink) {}

  push(lines: string): Promise<void> | undefined {
    this.buffer += lines;
    return this.buffer.length >= BATCH_CHARS ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (!this.buffer) return;
    const batch = this.buffer;
    this.buffer = "";
    await this.sink.write(batch);
  }
}

/**
 * Writes both files' lines to the sinks, a client's purchases right after the client, and
 * returns what silver will find in them.
 */
/** How a long generation reports and stops: clients written so far, and a signal that ends it between clients. */
export interface GenerateControl {
  progress?: (clients: number) => void;
  signal?: AbortSignal;
}

/** Clients between two progress reports and abort checks: cheap enough, and a fraction of a second. */
const CLIENTS_PER_STEP = 5000;

export async function generate(
  options: GenerateOptions,
  sinks: { clients: LineSink; achats: LineSink },
  control: GenerateControl = {},
): Promise<GenerateReport> {
  const rng = new Rng(options.seed);
  const cal = new Calendar(options.asOf);
  const clients = new ClientRows(rng, cal, options.dirtyRate);
  const achats = new AchatRows(rng, cal, options.dirtyRate);
  const clientOut = new Batcher(sinks.clients);
  const achatOut = new Batcher(sinks.achats);
  const spread = options.avgPurchases / 3;

  await clientOut.push(csvLine(CLIENT_COLUMNS));
  await achatOut.push(csvLine(ACHAT_COLUMNS));
  for (let id = 1; id <= options.clients; id++) {
    if (id % CLIENTS_PER_STEP === 0) {
      // The sinks' writes mostly complete at once: without a turn of the event loop now and
      // then, a signal's handler would not run before the last client.
      await new Promise((resolve) => setImmediate(resolve));
      control.signal?.throwIfAborted();
      control.progress?.(id);
    }
    const signup = rng.between(cal.first, cal.lastSignup);
    const client = clients.make(id, signup);
    await clientOut.push(client.lines);
    const count = Math.max(1, Math.round(options.avgPurchases + spread * rng.normal()));
    for (let i = 0; i < count; i++) {
      const pending = achatOut.push(achats.make(id, signup, client.kept));
      if (pending) await pending;
    }
  }
  await clientOut.flush();
  await achatOut.flush();

  return {
    seed: options.seed,
    asOf: options.asOf,
    clients: { rows: clients.rows, defects: clients.defects },
    achats: { rows: achats.rows, defects: achats.defects, orphans: achats.orphans },
  };
}

/**
 * Generates into `dir`/clients.csv and `dir`/achats.csv. Each file is written beside its final
 * name and renamed into place at the end, so a reader never meets half a file.
 */
export async function generateFiles(
  options: GenerateOptions,
  dir: string,
  control: GenerateControl & { overwrite?: boolean } = {},
): Promise<GenerateFilesReport> {
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) throw new UsageError(`--out ${dir} is a file, not a folder: give a folder for clients.csv and achats.csv`);
  const files = { clients: join(dir, DATASETS.clients.file), achats: join(dir, DATASETS.achats.file) };
  // Sources in that folder may be a user's real data: never replaced without being asked.
  const existing = Object.values(files).find((f) => existsSync(f));
  if (existing && !control.overwrite) throw new UsageError(`${existing} already exists: use --force to replace it, or --out for another folder`);
  const partial = { clients: `${files.clients}.partial`, achats: `${files.achats}.partial` };
  const writers: Bun.FileSink[] = [];
  const open = (path: string): LineSink => {
    const writer = Bun.file(path).writer();
    writers.push(writer);
    return {
      write: async (text) => {
        writer.write(text);
        await writer.flush();
      },
    };
  };
  try {
    await mkdir(dir, { recursive: true });
    const report = await generate(options, { clients: open(partial.clients), achats: open(partial.achats) }, control);
    for (const writer of writers.splice(0)) await writer.end();
    await rename(partial.clients, files.clients);
    await rename(partial.achats, files.achats);
    return { ...report, files };
  } catch (err) {
    await Promise.allSettled(writers.map(async (w) => w.end()));
    await Promise.all(Object.values(partial).map((p) => rm(p, { force: true })));
    if (control.signal?.aborted) throw control.signal.reason;
    throw new EltError(`cannot write the sources in ${dir}: ${errorLine(err)}`, 1, { cause: err });
  }
}
