import { runRows } from "../runner/record.ts";
import type { RunRecord } from "../runner/record.ts";
import type { Palette, Paint } from "../ui/color.ts";
import { formatAge, formatDuration, formatInt, formatUtc } from "../ui/format.ts";
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

function statePaint(state: RunRecord["state"], p: Palette): Paint {
  return { succeeded: p.green, failed: p.red, running: p.cyan, cancelled: p.yellow, incomplete: p.yellow }[state];
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
