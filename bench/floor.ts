/**
 * The floor, run as its own process: a streamed read and parse of the source CSV files, with
 * papaparse (the reference) and with our own reader. Prints one JSON line of milliseconds and
 * records; a pipeline stage that must read these bytes cannot beat it by much.
 *
 *   bun bench/floor.ts FILE...
 */
import { createReadStream } from "node:fs";
import Papa from "papaparse";
import { parseCsv } from "../src/formats/csv-reader.ts";

async function papaparse(path: string): Promise<number> {
  let records = 0;
  await new Promise<void>((resolve, reject) => {
    Papa.parse(createReadStream(path), {
      chunk: (results: Papa.ParseResult<unknown>) => {
        records += results.data.length;
      },
      complete: () => resolve(),
      error: reject,
    });
  });
  return records;
}

async function ours(path: string): Promise<number> {
  let records = 0;
  for await (const batch of parseCsv(Bun.file(path).stream(), { file: path })) records += batch.length;
  return records;
}

async function timed(parse: (path: string) => Promise<number>, files: string[]) {
  const started = performance.now();
  let records = 0;
  for (const file of files) records += await parse(file);
  return { ms: performance.now() - started, records };
}

const files = process.argv.slice(2);
const result = { papaparse: await timed(papaparse, files), parseCsv: await timed(ours, files) };
process.stdout.write(JSON.stringify(result) + "\n");
