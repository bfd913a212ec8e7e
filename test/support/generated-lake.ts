import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipelineFlow } from "../../src/flows/pipeline.ts";
import { generateFiles, type GenerateFilesReport, type GenerateOptions } from "../../src/pipeline/generate/index.ts";
import { runFlow } from "../../src/runner/flow.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { FolderStore } from "../../src/storage/folder.ts";

export interface GeneratedLake {
  /** The lake's folder (one subfolder per bucket). */
  lake: string;
  store: FolderStore;
  report: GenerateFilesReport;
  record: RunRecord;
  dispose(): Promise<void>;
}

/** Generated sources taken through bronze, silver and gold in a fresh temporary lake. */
export async function generatedLake(options: GenerateOptions): Promise<GeneratedLake> {
  const dir = await mkdtemp(join(tmpdir(), "elt-generated-"));
  const sources = join(dir, "sources");
  const report = await generateFiles(options, sources);
  const lake = join(dir, "home", "lake");
  const store = new FolderStore(lake);
  await store.ensureBuckets();
  const config = { home: join(dir, "home"), apiUrl: "http://localhost:8000" };
  const flow = pipelineFlow({ layers: ["bronze", "silver", "gold"], sources, asOf: options.asOf, force: false, config, store });
  const record = await runFlow(flow, { store, secrets: [] });
  return { lake, store, report, record, dispose: () => rm(dir, { recursive: true, force: true }) };
}
