import { mkdtemp, rm } from "node:fs/promises";
import { RUNS_KEPT } from "../../src/config/environment.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipelineFlow } from "../../src/flows/pipeline.ts";
import { generateFiles, type GenerateFilesReport, type GenerateOptions } from "../../src/pipeline/generate/index.ts";
import { runFlow } from "../../src/runner/flow.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { FolderStore } from "../../src/storage/folder.ts";

export interface BuiltLake {
  /** The lake's folder (one subfolder per bucket). */
  lake: string;
  store: FolderStore;
  record: RunRecord;
}

export interface GeneratedLake extends BuiltLake {
  report: GenerateFilesReport;
  dispose(): Promise<void>;
}

/** The sources in `sources` taken through bronze, silver and gold into a fresh lake under `home`. */
export async function builtLake(sources: string, home: string, asOf: string): Promise<BuiltLake> {
  const lake = join(home, "lake");
  const store = new FolderStore(lake);
  await store.ensureBuckets();
  const config = { home, apiUrl: "http://localhost:8000", keepRuns: RUNS_KEPT };
  const flow = pipelineFlow({ layers: ["bronze", "silver", "gold"], sources, asOf, force: false, config, store });
  const record = await runFlow(flow, { store, secrets: [] });
  return { lake, store, record };
}

/** Generated sources taken through bronze, silver and gold in a fresh temporary lake. */
export async function generatedLake(options: GenerateOptions): Promise<GeneratedLake> {
  const dir = await mkdtemp(join(tmpdir(), "elt-generated-"));
  const sources = join(dir, "sources");
  const report = await generateFiles(options, sources);
  const built = await builtLake(sources, join(dir, "home"), options.asOf);
  return { ...built, report, dispose: () => rm(dir, { recursive: true, force: true }) };
}
