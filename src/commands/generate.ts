import { z } from "zod";
import { AS_OF_RANGE, GENERATE_DEFAULTS, MAX_DIRTY_RATE, generateFiles, type GenerateFilesReport } from "../pipeline/generate/index.ts";
import { palette, wantsColor, type Palette } from "../ui/color.ts";
import { formatInt } from "../ui/format.ts";
import { defineCommand, flag } from "./command.ts";
import { isoDate, parseOptions, todayUtc } from "./options.ts";

/** cac hands numbers over as numbers, but a caller may pass the text typed. */
const numeric = (message: string, ok: (n: number) => boolean) =>
  z
    .union([z.number(), z.string().trim().regex(/^[+-]?(\d+\.?\d*|\.\d+)$/).transform(Number)], { error: message })
    .refine(ok, message);

/** A seed drawn when a bare `--seed` asks for one; the report prints it so the files can be made again. */
const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0]!;

const schema = z.object({
  out: flag(
    z.union([z.string().min(1), z.number().transform(String)], { error: "expected a folder" }).default("data/sources"),
    "Folder to write to",
    "<dir>",
  ),
  clients: flag(
    numeric("expected a positive integer", (n) => Number.isInteger(n) && n >= 1).default(GENERATE_DEFAULTS.clients),
    "Number of clients",
    "<n>",
  ),
  avgPurchases: flag(
    numeric("expected a positive number", (n) => n > 0).default(GENERATE_DEFAULTS.avgPurchases),
    "Average purchases per client",
    "<n>",
  ),
  seed: flag(
    // cac gives a bare `--seed` as true.
    z
      .preprocess(
        (v) => (v === true ? randomSeed() : v),
        numeric("expected an integer from 0 to 4294967295", (n) => Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff),
      )
      .default(42),
    "Random seed: same seed and options give byte-identical files; a bare --seed draws a random one",
    "[n]",
  ),
  asOf: flag(
    isoDate
      .refine((d) => d >= AS_OF_RANGE[0] && d <= AS_OF_RANGE[1], `expected a date from ${AS_OF_RANGE[0]} to ${AS_OF_RANGE[1]}`)
      .optional(),
    "Reference date YYYY-MM-DD (default: today UTC)",
    "<date>",
  ),
  dirtyRate: flag(
    numeric(`expected a number from 0 to ${MAX_DIRTY_RATE}`, (n) => n >= 0 && n <= MAX_DIRTY_RATE).default(GENERATE_DEFAULTS.dirtyRate),
    `Share of rows given a defect, 0 to ${MAX_DIRTY_RATE}`,
    "<r>",
  ),
  force: flag(z.boolean().default(false), "Replace clients.csv and achats.csv when the folder has them"),
  json: flag(z.boolean().default(false), "Print the report as JSON"),
  /** Print nothing: `elt run --generate --json` keeps stdout for its own JSON. */
  quiet: z.boolean().default(false),
});

export type GenerateCommandOptions = z.input<typeof schema>;

export const generate = defineCommand({
  usage: "generate",
  description: "Write synthetic clients.csv and achats.csv (seeded, with realistic defects)",
  options: schema,
  run: generateCommand,
});

export async function generateCommand(
  raw: GenerateCommandOptions,
  stdout: { write(text: string): unknown; isTTY?: boolean } = process.stdout,
): Promise<number> {
  const opts = parseOptions(schema, raw);
  // Ctrl-C or a SIGTERM stops it between two clients; the partial files go with it.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => stop.abort(signal);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const progress = process.stderr.isTTY && !opts.quiet ? generationProgress(opts.clients) : undefined;
  let report: GenerateFilesReport;
  try {
    report = await generateFiles(
      {
        clients: opts.clients,
        avgPurchases: opts.avgPurchases,
        seed: opts.seed,
        asOf: opts.asOf ?? todayUtc(),
        dirtyRate: opts.dirtyRate,
      },
      opts.out,
      { overwrite: opts.force, signal: stop.signal, progress: progress?.step },
    );
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    progress?.clear();
    process.stderr.write(`generate: interrupted; ${opts.out} keeps what it had (no partial file left)\n`);
    return stop.signal.reason === "SIGTERM" ? 143 : 130;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  progress?.clear();
  if (opts.quiet) return 0;
  if (opts.json) stdout.write(JSON.stringify(report, null, 2) + "\n");
  else stdout.write(renderReport(report, palette(wantsColor({ isTTY: stdout.isTTY }))));
  return 0;
}

/** A live line on a terminal: clients written of the total, redrawn at most every 100 ms. */
function generationProgress(clients: number) {
  let drawn = 0;
  return {
    step(done: number) {
      if (Date.now() - drawn < 100) return;
      drawn = Date.now();
      process.stderr.write(`\r\x1b[Kgenerating: ${formatInt(done)} of ${formatInt(clients)} clients (${Math.floor((done / clients) * 100)} %)`);
    },
    clear: () => process.stderr.write("\r\x1b[K"),
  };
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

function defectsLine(counts: Record<string, number>, p: Palette): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([code, n]) => `${code} ${formatInt(n)}`);
  return parts.length ? parts.join(", ") : p.dim("none");
}

function renderReport(r: GenerateFilesReport, p: Palette): string {
  const clientDefects = total(r.clients.defects);
  const achatDefects = total(r.achats.defects);
  return [
    `${p.green("✔")} ${p.bold(r.files.clients)}  ${formatInt(r.clients.rows)} rows, ${formatInt(clientDefects)} with defects`,
    `    ${defectsLine(r.clients.defects, p)}`,
    `${p.green("✔")} ${p.bold(r.files.achats)}  ${formatInt(r.achats.rows)} rows, ${formatInt(achatDefects)} with defects, ${formatInt(r.achats.orphans)} orphans expected`,
    `    ${defectsLine(r.achats.defects, p)}`,
    p.dim(`seed ${r.seed}, as of ${r.asOf}: the same options with --seed ${r.seed} --as-of ${r.asOf} give the same files`),
    "",
  ].join("\n");
}
