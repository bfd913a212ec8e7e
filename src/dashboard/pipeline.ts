import { runRows } from "../runner/record.ts";
import type { RunRecord } from "../runner/record.ts";
import type { Palette, Paint } from "../ui/color.ts";
import { formatAge, formatDuration, formatInt, formatNumber, formatUtc } from "../ui/format.ts";
import { checkLine } from "../quality/describe.ts";
import { checksOf } from "../quality/gate.ts";
import { checkHistory } from "../quality/history.ts";
import { columns, firstFit, padEnd, padStart, truncate } from "../ui/text.ts";
import type { DashboardData } from "./data.ts";

/** How fresh the served data is, and the recent runs as a table that drops columns rather than wrap. */

/** The last write of the served tables, longest form first. */
export function freshness(data: DashboardData, now: number): string[] {
  const w = data.lastWrite;
  if (!w) return ["nothing served yet: run `elt run --all`", "nothing served yet"];
  const age = formatAge(now - w.at);
  return [`last write ${formatUtc(w.at)} (${age}), run ${w.runId}`, `last write ${formatUtc(w.at)} (${age})`, `last write ${age}`];
}

const SPARKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/** Values oldest first as one character each, lowest to highest; a missing one is a space. */
function sparkline(values: (number | null)[]): string {
  const known = values.filter((v): v is number => v !== null);
  const [min, max] = [Math.min(...known), Math.max(...known)];
  return values.map((v) => (v === null ? " " : SPARKS[max === min ? 0 : Math.round(((v - min) / (max - min)) * 7)])).join("");
}

/**
 * The latest run's quality checks (a warned or failed one on its own line, the passed ones
 * counted), and the reject rate per dataset across the recent runs, so a creeping one shows.
 */
export function checksLines(data: DashboardData, width: number, height: number, p: Palette): string[] {
  if (height <= 0) return [];
  const latest = data.runs.find((r) => checksOf(r).length > 0);
  if (!latest) return [p.bold("Checks"), p.dim(truncate("no checks recorded yet", width))];
  const checks = checksOf(latest);
  const passed = checks.filter((c) => c.outcome === "passed").length;
  const lines = [p.bold(truncate(`Checks of run ${latest.id}: ${passed} of ${checks.length} passed`, width))];
  for (const c of checks) {
    if (c.outcome === "failed") lines.push(p.red(truncate(`✖ ${checkLine(c)}`, width)));
    if (c.outcome === "warned") lines.push(p.yellow(truncate(`⚠ ${checkLine(c)}`, width)));
  }
  // The runs are newest first; a trend reads oldest to newest.
  for (const h of checkHistory(data.runs).filter((h) => h.check === "reject_rate")) {
    const values = h.runs.map((r) => r.value);
    const last = values.at(-1);
    const label = `reject rate ${h.subject}`.padEnd(20);
    lines.push(truncate(`${label} ${sparkline(values)}  ${last === null || last === undefined ? "—" : `${formatNumber(last, 1)} %`}`, width));
  }
  return lines.slice(0, height);
}

function statePaint(state: RunRecord["state"], p: Palette): Paint {
  return { succeeded: p.green, failed: p.red, running: p.cyan, cancelled: p.yellow, incomplete: p.yellow, skipped: p.dim }[state];
}

interface Column {
  title: string;
  cell: (r: RunRecord) => string;
  right?: boolean;
}

/** In the order shown; columns are dropped from the right when the width runs out. */
const COLUMNS = (now: number): Column[] => [
  { title: "STATE", cell: (r) => r.state },
  { title: "WHEN", cell: (r) => formatAge(now - Date.parse(r.started_at)) },
  { title: "DURATION", cell: (r) => formatDuration(r.duration_ms), right: true },
  { title: "KEPT", cell: (r) => formatInt(runRows(r).kept ?? null), right: true },
  { title: "FLOW", cell: (r) => r.flow },
  { title: "STARTED", cell: (r) => formatUtc(Date.parse(r.started_at)) },
  { title: "RUN", cell: (r) => r.id },
];

export function runsTable(data: DashboardData, now: number, width: number, height: number, p: Palette): string[] {
  const title = p.bold("Recent runs");
  if (data.runsError) return [title, p.yellow(truncate(`runs unavailable: ${data.runsError}`, width))];
  if (data.runs.length === 0) return [title, p.dim(firstFit(width, ["no runs yet: start one with `elt run --all`", "no runs yet"]))];
  const runs = data.runs.slice(0, Math.max(0, height - 2));
  const cols = COLUMNS(now).map((c) => {
    const cells = runs.map(c.cell);
    return { ...c, cells, width: Math.max(columns(c.title), ...cells.map(columns)) };
  });
  const shown: typeof cols = [];
  let used = 0;
  for (const c of cols) {
    const need = used === 0 ? c.width : used + 2 + c.width;
    if (need > width) break;
    shown.push(c);
    used = need;
  }
  const cell = (c: (typeof cols)[number], text: string) => (c.right ? padStart(text, c.width) : padEnd(text, c.width));
  return [
    title,
    p.dim(shown.map((c) => cell(c, c.title)).join("  ")),
    ...runs.map((r, i) =>
      shown.map((c, n) => (n === 0 ? statePaint(r.state, p)(cell(c, c.cells[i]!)) : cell(c, c.cells[i]!))).join("  "),
    ),
  ];
}
