import { plot as asciiPlot } from "asciichart";
import type { Palette } from "../ui/color.ts";
import { formatCompact, formatCompactEuro } from "../ui/format.ts";
import { columns, firstFit, padEnd, padStart, truncate } from "../ui/text.ts";
import type { Period } from "./data.ts";
import { GRANULARITIES, type Granularity } from "./view.ts";

/**
 * CA over time as a line, purchases as bars under it, each period the same columns in both
 * so they read against one x axis. Only the most recent periods that fit the width are drawn:
 * a line squeezed by resampling would hide exactly the days a user is looking for.
 */

/** Title, at least 3 chart rows, 2 bar rows and the axis: below this the chart is dropped, never squashed. */
export const MIN_CHART_HEIGHT = 8;

/** Axis labels ("1.23 M€", "850 €") in a fixed width, so the plot does not shift between refreshes. */
const LABEL = 9;
const VERTICAL = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/** `day [week] month`: the brackets mark the choice with colour off too. */
function selector(granularity: Granularity, p: Palette): { text: string; plain: string } {
  const parts = GRANULARITIES.map((g) => (g === granularity ? { t: `[${g}]`, paint: p.bold } : { t: g, paint: p.dim }));
  return { plain: parts.map((x) => x.t).join(" "), text: parts.map((x) => x.paint(x.t)).join(" ") };
}

/** One bar row of `rows`, for a value filling `eighths` eighths of a cell from the bottom. */
function barCell(eighths: number, row: number, rows: number): string {
  const below = (rows - 1 - row) * 8;
  return VERTICAL[Math.max(0, Math.min(8, eighths - below))]!;
}

/** How many periods a chart of this width shows at once. */
export const periodsShown = (width: number) => Math.max(1, width - LABEL - 1);

/** The periods shown: the last that fit, moved `pan` periods back (clamped to the first). */
function window(series: readonly Period[], width: number, pan: number): Period[] {
  const fit = periodsShown(width);
  const end = series.length - Math.max(0, Math.min(pan, series.length - fit));
  return series.slice(Math.max(0, end - fit), end);
}

/** Which periods are shown: their first and last keys, and how many of the series when not all (with the keys that move them). */
function rangeParts(shown: readonly Period[], series: readonly Period[]): { range: string; part: string } {
  if (shown.length === 0) return { range: "", part: "" };
  const part = shown.length === series.length ? "" : `${shown.length} of ${series.length} (←/→)`;
  return { range: `${shown[0]!.key} to ${shown.at(-1)!.key}`, part };
}

export function salesChart(series: readonly Period[], granularity: Granularity, width: number, height: number, p: Palette, pan = 0): string[] {
  const pick = selector(granularity, p);
  const shown = window(series, width, pan);
  // The range shown matters more than the legend: on a narrow screen the legend's words go first.
  const { range, part } = rangeParts(shown, series);
  const what = [range, part].filter(Boolean).join(", ");
  const room = Math.max(0, width - pick.plain.length - 2);
  const heading = firstFit(room, [
    `CA (line) and achats (bars) per ${granularity} · ${what}`,
    `CA and achats per ${granularity} · ${what}`,
    `per ${granularity} · ${what}`,
    what,
    part || range,
  ]);
  const title = `${p.bold(heading)}${" ".repeat(Math.max(1, width - columns(heading) - pick.plain.length))}${pick.text}`;
  if (series.length === 0) return [title, p.dim("no purchases to chart yet")];

  const barRows = Math.max(2, Math.min(6, Math.round((height - 2) / 4)));
  const lineRows = height - 2 - barRows;
  // Few periods are widened to fill the width: a month is a step as wide as the room allows.
  const per = Math.max(1, Math.floor((width - LABEL - 1) / shown.length));
  const maxCa = Math.max(...shown.map((s) => s.ca));
  const maxAchats = Math.max(...shown.map((s) => s.achats));
  const top = maxCa > 0 ? maxCa : 1;
  // About four labelled rows: the top one (the maximum), the bottom one (0), none crowding it.
  const step = Math.max(1, Math.round((lineRows - 1) / 3));
  const labels = Array.from({ length: lineRows }, (_, row) =>
    row === lineRows - 1 ? formatCompactEuro(0) : row % step === 0 && lineRows - 1 - row >= step / 2 ? formatCompactEuro(top - (row * top) / (lineRows - 1)) : "",
  );

  const plot = asciiPlot(
    shown.flatMap((s) => Array<number>(per).fill(s.ca)),
    { height: lineRows - 1, min: 0, max: top, offset: 2, format: (_, row) => padEnd(padStart(labels[row]!, LABEL - 1), LABEL) },
  );
  // asciichart writes each row as the label then the axis and the line, all plain: paint them apart.
  const line = plot.split("\n").map((row) => p.dim(row.slice(0, LABEL)) + p.cyan(row.slice(LABEL)));

  const eighths = shown.map((s) => (maxAchats > 0 ? Math.round((s.achats / maxAchats) * barRows * 8) : 0));
  // Bars three or more columns wide keep a gap on their right so neighbours stay apart.
  const cells = (e: number, row: number) =>
    Array.from({ length: per }, (_, j) => (per >= 3 && j === per - 1 ? " " : barCell(e, row, barRows))).join("");
  const bars = Array.from({ length: barRows }, (_, row) => {
    const axis = row === 0 ? padStart(formatCompact(maxAchats), LABEL - 1) : "";
    return `${padEnd(axis, LABEL)}${p.yellow(eighths.map((e) => cells(e, row)).join(""))}`;
  });

  const first = shown[0]!.key;
  const last = shown.at(-1)!.key;
  const span = shown.length * per;
  const keys =
    span >= first.length + last.length + 2
      ? `${first}${" ".repeat(span - first.length - last.length)}${last}`
      : padStart(last, Math.min(span, last.length));
  const axis = truncate(`${" ".repeat(LABEL)}${keys}`, width);
  return [title, ...line, ...bars, p.dim(axis)];
}
