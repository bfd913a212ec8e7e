import kleur from "kleur";
import type { SilverSummary } from "../contract/silver-tables.ts";
import { checkLine } from "../quality/describe.ts";
import { checksOf } from "../quality/gate.ts";
import type { RunOutputs } from "../runner/outputs.ts";
import { runRows, type RunRecord } from "../runner/record.ts";
import { NONE, formatInt } from "./format.ts";
import { seconds, taskLine } from "./progress.ts";
import { rejectsLine } from "./summary.ts";

/**
 * One run in full, for `elt runs --show`: its parameters, its tasks as a timeline (when each
 * started after the run did, and how long it took), rows, rejects per reason, every quality
 * check, the files it wrote and its error.
 */

const CHECK_ICON = { passed: kleur.green("✔"), warned: kleur.yellow("⚠"), failed: kleur.red("✖"), skipped: kleur.dim("·") } as const;

const at = (iso: string | undefined) => (iso ? iso.replace("T", " ").slice(0, 23) : NONE);

export function renderRunDetail(record: RunRecord, outputs: RunOutputs[]): string {
  const lines = [`${kleur.bold(`run ${record.id}`)}  ${record.state}  (flow ${record.flow})`];
  lines.push(`  started ${at(record.started_at)}, ended ${at(record.ended_at)}, took ${record.duration_ms === undefined ? NONE : seconds(record.duration_ms)}`);
  lines.push(`  on ${record.host}, pid ${record.pid}${record.as_of ? `, as of ${record.as_of}` : ""}`);
  if (record.trigger) lines.push(`  started by ${record.trigger}`);
  if (record.reason) lines.push(`  ${kleur.dim("skipped:")} ${record.reason}`);
  if (record.error) lines.push(`  ${kleur.red("error:")} ${record.error}`);
  if (record.cancelled) {
    const where = record.cancelled.task ? ` in task ${record.cancelled.task}` : "";
    lines.push(`  ${kleur.yellow("cancelled")} (${record.cancelled.reason})${where} at ${at(record.cancelled.at)}`);
  }

  lines.push("", kleur.bold("Parameters"));
  for (const [name, value] of Object.entries(record.parameters)) {
    lines.push(`  ${name.padEnd(10)} ${Array.isArray(value) ? value.join(", ") : String(value)}`);
  }

  lines.push("", kleur.bold("Tasks"));
  const start = Date.parse(record.started_at);
  for (const t of record.tasks) {
    const offset = t.started_at ? `+${seconds(Date.parse(t.started_at) - start)}` : "";
    lines.push(`  ${offset.padStart(10)}  ${taskLine(t)}`);
  }

  const rows = runRows(record);
  const cell = (n: number | undefined) => (n === undefined ? NONE : formatInt(n));
  lines.push("", `${kleur.bold("Rows")}  read ${cell(rows.read)}, kept ${cell(rows.kept)}, fact rows published ${cell(rows.published)}`);

  const silver = record.tasks.find((t) => t.name === "silver" && t.state === "succeeded")?.metrics as SilverSummary | undefined;
  if (silver?.clients && silver.achats) {
    lines.push("", kleur.bold("Rejects"));
    lines.push(`  clients  ${rejectsLine(silver.clients.rejects)}`);
    lines.push(`  achats   ${rejectsLine(silver.achats.rejects)}`);
  }

  const checks = checksOf(record);
  if (checks.length) {
    lines.push("", kleur.bold("Quality checks"));
    for (const c of checks) lines.push(`  ${CHECK_ICON[c.outcome]} ${checkLine(c)}`);
  }

  lines.push("", kleur.bold("Outputs"));
  for (const { layer, addresses } of outputs) {
    addresses.forEach((address, i) => lines.push(`  ${(i === 0 ? layer : "").padEnd(12)} ${address}`));
  }
  return lines.join("\n") + "\n";
}
