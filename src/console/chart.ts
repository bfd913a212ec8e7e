import uPlot from "uplot";
import { formatCompact, formatCompactEuro, formatEuro, formatInt } from "../ui/format.ts";

/** One point of a sales series: a day, an ISO week (its Monday) or a month (its first day). */
export interface Point {
  /** YYYY-MM-DD of the period's first day. */
  start: string;
  /** The period as gold names it: 2024-03-01, 2024-W09, 2024-03. */
  label: string;
  ca: number;
  achats: number;
}

const DAY_S = 86_400;
const seconds = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;
const isoOf = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/**
 * CA as a line over purchases as bars, on a time axis; drag to zoom, double-click to see the
 * whole range again. `onRange` hears the range shown, in words, after every zoom.
 */
export function salesChart(target: HTMLElement, points: readonly Point[], unit: string, onRange: (text: string) => void): () => void {
  const xs = points.map((p) => seconds(p.start));
  const width = () => Math.max(280, target.clientWidth - 4);
  const describe = (min: number, max: number) => {
    const shown = points.filter((_, i) => xs[i]! >= min && xs[i]! <= max);
    if (shown.length === 0) return "nothing in this range";
    const whole = shown.length === points.length ? "the whole range" : `${formatInt(shown.length)} of ${formatInt(points.length)} ${unit}s`;
    return `${shown[0]!.label} to ${shown.at(-1)!.label}: ${formatInt(shown.length)} ${unit}${shown.length === 1 ? "" : "s"} (${whole})`;
  };
  const bars = uPlot.paths.bars!({ size: [0.8, 40] });
  const plot = new uPlot(
    {
      width: width(),
      height: 320,
      scales: { x: { time: true }, ca: {}, achats: {} },
      axes: [
        { stroke: cssVar("--dim"), grid: { stroke: cssVar("--line") } },
        { scale: "ca", stroke: cssVar("--dim"), grid: { stroke: cssVar("--line") }, values: (_, ticks) => ticks.map(formatCompactEuro), size: 70 },
        { scale: "achats", side: 1, stroke: cssVar("--dim"), grid: { show: false }, values: (_, ticks) => ticks.map(formatCompact), size: 60 },
      ],
      series: [
        { label: unit, value: (_, v) => (v === null ? "" : points[xs.indexOf(v)]?.label ?? isoOf(v)) },
        { label: "Achats", scale: "achats", stroke: cssVar("--bar"), fill: cssVar("--bar"), paths: bars, points: { show: false }, value: (_, v) => (v === null ? "" : formatInt(v)) },
        { label: "CA", scale: "ca", stroke: cssVar("--accent"), width: 2, points: { show: points.length < 60 }, value: (_, v) => (v === null ? "" : formatEuro(v)) },
      ],
      hooks: {
        setScale: [
          (u, key) => {
            if (key === "x") onRange(describe(u.scales.x.min ?? -Infinity, u.scales.x.max ?? Infinity));
          },
        ],
      },
    },
    [xs, points.map((p) => p.achats), points.map((p) => p.ca)],
    target,
  );
  target.dataset.points = String(points.length);
  onRange(describe(xs[0] ?? 0, (xs.at(-1) ?? 0) + DAY_S));
  const resize = () => plot.setSize({ width: width(), height: 320 });
  window.addEventListener("resize", resize);
  return () => {
    window.removeEventListener("resize", resize);
    plot.destroy();
  };
}
