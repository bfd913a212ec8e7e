import kleur from "kleur";
import type { SilverSummary } from "../contract/silver-tables.ts";
import type { RunRecord } from "../runner/record.ts";
import { count, seconds, taskLine } from "./progress.ts";
import { formatEuro, formatInt, formatPercent } from "./format.ts";
import { checkLine } from "../quality/describe.ts";
import { checksOf } from "../quality/gate.ts";
import type { RunOutputs } from "../runner/outputs.ts";

/**
 * What a user wants after `elt run` (the task lines were shown live): the KPIs, rows per layer,
 * rejects per reason, and where things are; for a run that did not succeed, its error, the
 * tasks that ran and what stays published. Only this run's figures: the caller passes none
 * of a layer this run did not produce.
 */
export interface SummaryInput {
  record: RunRecord;
  kpis?: Record<string, unknown> | null;
  silver?: SilverSummary | null;
  objectStore: string;
  /** The files this run wrote, by layer (flows/outputs.ts). */
  outputs: RunOutputs[];
  servingStore?: string;
  /** The run whose gold tables are published now (gold's layer state), null when none is. */
  publishedGold: string | null;
}

const KPI_LABELS: [string, string, "eur" | "int" | "pct"][] = [
  ["ca_total", "CA total", "eur"],
  ["nb_achats_total", "Achats", "int"],
  ["panier_moyen", "Panier moyen", "eur"],
  ["nb_clients_uniques", "Clients uniques", "int"],
  ["montant_moyen_par_client", "Montant moyen / client", "eur"],
  ["montant_median", "Montant médian", "eur"],
  ["taux_croissance_mensuel", "Croissance mensuelle", "pct"],
];

function formatKpi(value: unknown, kind: "eur" | "int" | "pct"): string {
  const n = typeof value === "number" ? value : null;
  return kind === "int" ? formatInt(n) : kind === "eur" ? formatEuro(n) : formatPercent(n, 2, true);
}

/** `invalid_id 3, duplicate 1`: rejects per reason, those with none left out. */
export function rejectsLine(rejects: Record<string, number>): string {
  const parts = Object.entries(rejects)
    .filter(([, n]) => n > 0)
    .map(([code, n]) => `${code} ${count(n)}`);
  return parts.length ? parts.join(", ") : "none";
}

/** The run's checks: the passed ones counted on one line, each warned or failed one on its own. */
function qualityLines(record: RunRecord): string[] {
  const checks = checksOf(record);
  if (checks.length === 0) return [];
  const n = (o: string) => checks.filter((c) => c.outcome === o).length;
  const head = [`${n("passed")} passed`, n("warned") ? `${n("warned")} warned` : "", n("failed") ? `${n("failed")} failed` : "", n("skipped") ? `${n("skipped")} skipped` : ""];
  const lines = ["", `${kleur.bold("Quality")}  ${head.filter(Boolean).join(", ")}`];
  for (const c of checks) {
    if (c.outcome === "failed") lines.push(`  ${kleur.red("✖")} ${checkLine(c)}`);
    if (c.outcome === "warned") lines.push(`  ${kleur.yellow("⚠")} ${checkLine(c)}`);
  }
  if (record.tasks.some((t) => t.metrics?.gate === "forced") && n("failed") > 0) lines.push(`  ${kleur.yellow("published despite the failed checks (--no-gate)")}`);
  return lines;
}

/** What the published gold is, said from a run that did not publish its own. */
function stillPublished(record: RunRecord, publishedGold: string | null): string {
  if (publishedGold === null) return "no gold tables are published yet";
  if (publishedGold === record.id) return `this run's gold tables (published before it stopped)`;
  return `the gold tables of run ${publishedGold}, untouched`;
}

/** The one line a cancelled run leaves on the terminal: what stopped where, and what stays published. */
export function cancelledLine(record: RunRecord, publishedGold: string | null): string {
  const where = record.cancelled?.task ? ` in task ${record.cancelled.task}` : "";
  const why = record.cancelled ? ` (${record.cancelled.reason})` : "";
  const export_ = record.tasks.find((t) => t.name === "export");
  const serving = export_ && export_.state !== "succeeded" ? "; the serving store keeps the tables it served" : "";
  return `run ${record.id} cancelled${why}${where} after ${seconds(record.duration_ms)}; still published: ${stillPublished(record, publishedGold)}${serving}\n`;
}

export function renderSummary(s: SummaryInput): string {
  const { record } = s;
  const lines: string[] = [];
  const state = record.state === "succeeded" ? kleur.green(record.state) : kleur.red(record.state);
  lines.push(`${kleur.bold(`run ${record.id}`)} ${state} in ${seconds(record.duration_ms)}`);
  if (record.error) lines.push(`  ${kleur.red("error:")} ${record.error}`);
  if (record.state !== "succeeded") {
    lines.push("", kleur.bold("Tasks"));
    for (const t of record.tasks) if (t.state !== "pending") lines.push(`  ${taskLine(t)}`);
    lines.push("", `${kleur.bold("Still published")}  ${stillPublished(record, s.publishedGold)}`);
  } else if (!record.tasks.some((t) => t.name === "gold" && t.state === "succeeded")) {
    // Its KPIs are not this run's to show, but which gold is served is worth a line.
    lines.push("", `${kleur.bold("Published")}  ${stillPublished(record, s.publishedGold)}`);
  }
  if (s.silver) {
    const { clients, achats } = s.silver;
    lines.push("", kleur.bold("Silver"));
    lines.push(`  clients  ${count(clients.rows_in)} read, ${count(clients.kept)} kept; rejects: ${rejectsLine(clients.rejects)}`);
    lines.push(`  achats   ${count(achats.rows_in)} read, ${count(achats.kept)} kept; rejects: ${rejectsLine(achats.rejects)}`);
    lines.push(`  orphan purchases (client not kept): ${count(achats.orphans)}`);
  }
  lines.push(...qualityLines(record));
  if (s.kpis) {
    lines.push("", kleur.bold("KPIs"));
    for (const [key, label, kind] of KPI_LABELS) lines.push(`  ${label.padEnd(24)} ${formatKpi(s.kpis[key], kind)}`);
  }
  lines.push("", kleur.bold("Where everything is"));
  lines.push(`  object store   ${s.objectStore}`);
  for (const { layer, addresses } of s.outputs) {
    addresses.forEach((address, i) => lines.push(`  ${(i === 0 ? layer : "").padEnd(14)} ${address}`));
  }
  if (s.servingStore) lines.push(`  serving store  ${s.servingStore}`);
  lines.push(`  this run       elt runs show ${record.id}  (logs: elt logs ${record.id})`);
  return lines.join("\n") + "\n";
}
