import type { Progress } from "../../runner/flow.ts";
import { SILVER_KEYS, silverKeys } from "../../contract/lake.ts";
import { silverChecks } from "../../quality/checks.ts";
import { QualityError, audit, type Gate } from "../../quality/gate.ts";
import type { SilverSummary } from "../../contract/silver-tables.ts";
import { listAll, type ObjectStore } from "../../storage/object-store.ts";
import { latestBronze } from "../bronze.ts";
import { dayNumber } from "../../core/dates.ts";
import { readState, unchangedReason, writeState } from "../layer-state.ts";
import { Staging } from "../staging.ts";
import { cleanAchats } from "./achats.ts";
import { OutlierBoundTask } from "./amounts.ts";
import { keptFile, rejectsFile } from "./clean-pass.ts";
import { cleanClients } from "./clients.ts";

/** How many refused runs' outputs are kept under `_refused/`: each is a whole silver. */
const REFUSED_KEPT = 3;

/** A refused run's outputs under `_refused/<run>/`, the older refused runs beyond the last few removed. */
async function keepRefused(store: ObjectStore, staging: Staging, files: [string, string][], runId: string): Promise<void> {
  for (const [file, key] of files) await staging.publish(file, store, "silver", silverKeys.refused(runId, key));
  const runs = new Set<string>();
  for await (const info of listAll(store, "silver", silverKeys.refusedPrefix)) runs.add(info.key.split("/")[1]!);
  for (const old of [...runs].sort().reverse().slice(REFUSED_KEPT)) {
    for await (const info of listAll(store, "silver", silverKeys.refused(old, ""))) await store.delete("silver", info.key);
  }
}

/** What silver's last publish reported, read from its layer state. */
export async function silverSummary(store: ObjectStore): Promise<SilverSummary | null> {
  const state = await readState(store, "silver");
  return state ? (state.summary as unknown as SilverSummary) : null;
}

export interface SilverOptions {
  asOf: string;
  home: string;
  runId: string;
  force: boolean;
  /** The audit silver's outputs must pass before they are published. */
  gate: Gate;
  /** Stops the passes between two batches. */
  signal?: AbortSignal;
  progress: (step: Progress) => void;
}

export type SilverOutcome = { skipped: string } | { summary: SilverSummary };

/** Cleans the latest bronze copies; publishes all four outputs only once both passes succeeded. */
export async function runSilver(store: ObjectStore, options: SilverOptions): Promise<SilverOutcome> {
  const clientsEntry = await latestBronze(store, "clients");
  const achatsEntry = await latestBronze(store, "achats");
  const inputs = { clients: clientsEntry.sha256, achats: achatsEntry.sha256, as_of: options.asOf };
  if (!options.force) {
    const reason = await unchangedReason(store, "silver", inputs);
    if (reason) return { skipped: reason };
  }
  const asOfDay = dayNumber(options.asOf);
  const staging = await Staging.create(options.home, options.runId, "silver");
  // The purchases' first pass (their outlier bound) runs on another core meanwhile.
  const bound = new OutlierBoundTask(store, achatsEntry);
  try {
    const { signal } = options;
    const clients = await cleanClients(store, clientsEntry, asOfDay, staging, {
      progress: (n) => options.progress({ what: "clients", rows: n }),
      signal,
    });
    const achats = await cleanAchats(store, achatsEntry, asOfDay, clients.ids, await bound.result(), staging, {
      progress: (n) => options.progress({ what: "achats", rows: n }),
      signal,
    });
    const summary: SilverSummary = {
      clients: { rows_in: clients.rowsIn, kept: clients.kept, rejects: clients.rejects, samples: clients.samples },
      achats: {
        rows_in: achats.rowsIn,
        kept: achats.kept,
        rejects: achats.rejects,
        samples: achats.samples,
        orphans: achats.orphans,
        q99: achats.q99,
      },
    };
    const files: [string, string][] = [
      [keptFile("clients"), SILVER_KEYS.clients],
      [keptFile("achats"), SILVER_KEYS.achats],
      [rejectsFile("clients"), SILVER_KEYS.clientsRejects],
      [rejectsFile("achats"), SILVER_KEYS.achatsRejects],
    ];
    try {
      await audit(options.gate, async () => silverChecks(summary, await silverSummary(store), options.gate.thresholds));
    } catch (err) {
      // Refused, not lost: the audited outputs stay in the lake for inspection, never published.
      // Best effort: a store failing now must not hide the refusal behind a retryable error.
      if (err instanceof QualityError) await keepRefused(store, staging, files, options.runId).catch(() => {});
      throw err;
    }
    for (const [file, key] of files) await staging.publish(file, store, "silver", key);
    await writeState(store, "silver", {
      inputs,
      run_id: options.runId,
      published_at: new Date().toISOString(),
      outputs: Object.values(SILVER_KEYS),
      summary: { ...summary },
    });
    return { summary };
  } finally {
    bound.stop();
    await staging.dispose();
  }
}
