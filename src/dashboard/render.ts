/**
 * One frame of the dashboard as a string: a pure function of the data, the view, the size
 * and colour on/off, so every terminal size can be checked without a terminal.
 *
 * Plain rendering (kleur + asciichart) was chosen over a TUI framework: it compiles into the
 * single `bun build --compile` binary with no workaround, starts in ~30 ms and is the easiest
 * to test. The alternatives tried: ink needed a build plugin and broke at 36×16;
 * blessed-contrib needed source rewriting and crashed at 60×10; @opentui/core needs
 * --external flags, adds 15 MB and writes a native library to TMPDIR.
 */
import { palette, type Paint, type Palette } from "../ui/color.ts";
import { formatAge, formatDuration, formatTime } from "../ui/format.ts";
import { columns, firstFit, padEnd, truncate } from "../ui/text.ts";
import { MIN_CHART_HEIGHT, salesChart } from "./chart.ts";
import type { DashboardData } from "./data.ts";
import { checksLines, freshness, runsTable } from "./pipeline.ts";
import { shareBars } from "./shares.ts";
import { kpiTiles } from "./tiles.ts";
import { VIEWS, type View, type ViewState } from "./view.ts";

export interface Size {
  width: number;
  height: number;
}

/** The smallest terminal every view stays readable in; below it the frame says so. */
export const MIN_SIZE: Size = { width: 40, height: 15 };
/** Below this height the header is one line. */
const TALL = 20;
/** Products and countries side by side from this width. */
const WIDE = 80;

type Segment = [text: string, paint?: Paint];

/** The first candidate whose text fits the width, painted; the last one cut when none fits. */
function fitSegments(width: number, candidates: Segment[][]): string {
  const plain = (c: Segment[]) => c.map(([t]) => t).join("");
  const chosen = candidates.find((c) => columns(plain(c)) <= width);
  if (!chosen) return truncate(plain(candidates.at(-1)!), width);
  return chosen.map(([t, paint]) => (paint ? paint(t) : t)).join("");
}

function sourceNames(data: DashboardData): string[] {
  const s = data.source;
  if (s.kind === "api") return [`API ${s.url}`, "API"];
  if (!s.apiDown) return [`local store ${s.location}`, "local store"];
  return [
    `local store ${s.location} (no API answers at ${s.apiDown})`,
    `local store (no API answers at ${s.apiDown})`,
    "local store (API down)",
    "local (API down)",
  ];
}

/** `warn`: no status line below says a refresh failed, so this line must. */
function titleLine(data: DashboardData, state: ViewState, width: number, warn: boolean, p: Palette): string {
  // A refresh in flight or a stale frame must show; the time of the last load may give way to the source.
  const tails: Segment[][] = state.loading
    ? [[["refreshing…", p.yellow]]]
    : data.warning && warn
      ? [[["! stale", p.yellow]]]
      : [[[`updated ${formatTime(data.loadedAt)} UTC`, p.dim]], [[formatTime(data.loadedAt), p.dim]], []];
  const candidates: Segment[][] = [];
  for (const source of sourceNames(data)) {
    for (const title of ["elt dashboard", "elt"]) {
      for (const tail of tails) {
        const left = `${title} · ${source}`;
        const tailWidth = columns(tail.map(([t]) => t).join(""));
        const gap = " ".repeat(Math.max(2, width - columns(left) - tailWidth));
        candidates.push([[title, p.bold], [` · ${source}`], ...(tail.length ? [[gap] as Segment, ...tail] : [])]);
      }
    }
  }
  return fitSegments(width, candidates);
}

function statusLine(data: DashboardData, state: ViewState, width: number, p: Palette): string {
  if (data.warning) return p.yellow(truncate(`! ${data.warning}`, width));
  const run = data.runs[0];
  const written = data.lastWrite ? `data written ${formatAge(state.now - data.lastWrite.at)}` : "nothing served yet";
  const last = run ? `last run ${run.state} ${formatAge(state.now - Date.parse(run.started_at))}` : "no runs yet";
  const took = run?.duration_ms === undefined ? "" : ` in ${formatDuration(run.duration_ms)}`;
  return fitSegments(width, [
    [[`${written} · ${last}${took}`, p.dim]],
    [[`${written} · ${last}`, p.dim]],
    [[written, p.dim]],
  ]);
}

function footer(state: ViewState, width: number, p: Palette): string {
  const auto = state.refreshSeconds ? ` (every ${state.refreshSeconds} s)` : "";
  const tabs: Segment[] = VIEWS.flatMap((v, i): Segment[] =>
    v === state.view ? [[`[${i + 1} ${v}]`, p.bold], [" "]] : [[`${i + 1} ${v} `, p.dim]],
  );
  const keys = (text: string): Segment => [text, p.dim];
  return fitSegments(width, [
    [...tabs, keys(`  d/w/m ${state.granularity}  ←/→ move  r refresh${auto}  q quit`)],
    [...tabs, keys(`  d/w/m ${state.granularity}  r refresh${auto}  q quit`)],
    [[`[${VIEWS.indexOf(state.view) + 1} ${state.view}]`, p.bold], keys(` 1-4 views  d/w/m  r refresh${auto}  q quit`)],
    [[`[${VIEWS.indexOf(state.view) + 1}]`, p.bold], keys(" 1-4 views  d/w/m  r refresh  q quit")],
    [[`[${VIEWS.indexOf(state.view) + 1}]`, p.bold], keys(" 1-4  d/w/m  r  q quit")],
  ]);
}

/** Two blocks side by side, the left one padded so the right one starts in the same column on every line. */
function beside(left: string[], right: string[], leftWidth: number, gap: number): string[] {
  return Array.from({ length: Math.max(left.length, right.length) }, (_, i) => {
    const r = right[i] ?? "";
    return r === "" ? (left[i] ?? "") : `${padEnd(left[i] ?? "", leftWidth)}${" ".repeat(gap)}${r}`;
  });
}

function breakdown(data: DashboardData, width: number, height: number, p: Palette): string[] {
  if (width >= WIDE) {
    const left = Math.floor((width - 3) / 2);
    return beside(
      shareBars("CA par produit", data.products, left, height, p),
      shareBars("CA par pays", data.countries, width - 3 - left, height, p),
      left,
      3,
    );
  }
  const products = Math.min(1 + data.products.length, height < 9 ? height : Math.ceil((height - 1) / 2));
  const countries = height - products - 1;
  return [
    ...shareBars("CA par produit", data.products, width, products, p),
    ...(countries >= 2 ? ["", ...shareBars("CA par pays", data.countries, width, countries, p)] : []),
  ];
}

/** Lines the breakdown would like: every product and country. */
function breakdownWanted(data: DashboardData, width: number): number {
  const products = 1 + Math.max(1, data.products.length);
  const countries = 1 + Math.max(1, data.countries.length);
  return width >= WIDE ? Math.max(products, countries) : products + 1 + countries;
}

/** Breakdown lines the overview keeps before it gives up the chart. */
const MIN_BREAKDOWN = 4;

type Body = (data: DashboardData, state: ViewState, width: number, height: number, p: Palette) => string[];

const BODIES: Record<View, Body> = {
  overview(data, state, width, height, p) {
    const tiles = kpiTiles(data.kpis, width, p);
    const rest = height - tiles.length - 1;
    if (rest < MIN_CHART_HEIGHT + 1 + MIN_BREAKDOWN) {
      // No room for a readable chart: drop it rather than squash it.
      return rest >= 2 ? [...tiles, "", ...breakdown(data, width, rest, p)] : tiles;
    }
    const extra = rest - MIN_CHART_HEIGHT - 1 - MIN_BREAKDOWN;
    const rows = MIN_BREAKDOWN + Math.min(extra, Math.max(0, breakdownWanted(data, width) - MIN_BREAKDOWN));
    const chart = salesChart(data.series[state.granularity], state.granularity, width, rest - rows - 1, p, state.pan);
    return [...tiles, "", ...chart, "", ...breakdown(data, width, rows, p)];
  },
  sales(data, state, width, height, p) {
    if (height < MIN_CHART_HEIGHT) return [p.dim(truncate("enlarge the terminal to see the chart", width))];
    return salesChart(data.series[state.granularity], state.granularity, width, height, p, state.pan);
  },
  breakdown: (data, _state, width, height, p) => breakdown(data, width, height, p),
  pipeline(data, state, width, height, p) {
    const runs = runsTable(data, state.now, width, Math.max(4, Math.ceil((height - 3) / 2)), p);
    return [
      p.bold("Served data"),
      firstFit(width, freshness(data, state.now)),
      "",
      ...runs,
      "",
      ...checksLines(data, width, height - 4 - runs.length, p),
    ];
  },
};

/** Spaces at the end of a line (before any closing escape codes) are not worth sending. */
const TRAILING = / +((?:\x1b\[[0-9;]*m)*)$/;

function trimEnd(line: string): string {
  let out = line;
  for (let next = out.replace(TRAILING, "$1"); next !== out; next = out.replace(TRAILING, "$1")) out = next;
  return out;
}

/** At most `height` lines of at most `width` columns, the footer on the last line. */
export function renderFrame(data: DashboardData, view: ViewState, size: Size, color: boolean): string {
  const { width, height } = size;
  const p = palette(color);
  if (width < MIN_SIZE.width || height < MIN_SIZE.height) {
    return [`terminal too small: ${width}x${height}`, `need ${MIN_SIZE.width}x${MIN_SIZE.height}`, "q quits"]
      .slice(0, height)
      .map((l) => truncate(l, width))
      .join("\n");
  }
  const head =
    height >= TALL
      ? [titleLine(data, view, width, false, p), statusLine(data, view, width, p)]
      : [titleLine(data, view, width, true, p)];
  const bodyHeight = height - head.length - 1;
  const body = BODIES[view.view](data, view, width, bodyHeight, p).slice(0, bodyHeight);
  const gap = Array<string>(bodyHeight - body.length).fill("");
  return [...head, ...body, ...gap, footer(view, width, p)].map(trimEnd).join("\n");
}
