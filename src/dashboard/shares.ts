import type { Palette } from "../ui/color.ts";
import { formatCompactEuro, formatEuro, formatPercent } from "../ui/format.ts";
import { columns, fit, padStart, truncate } from "../ui/text.ts";
import type { Share } from "./data.ts";

/**
 * A ranked list as horizontal bars: name, bar, CA, share of the total. Bars are scaled to
 * the largest item so the ranking reads at a glance; the share is written beside each.
 */

/** Left-aligned partial blocks, in eighths of a cell. */
const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A bar of `value / max` of `cells` cells, to the nearest eighth. */
function hbar(value: number, max: number, cells: number): string {
  const eighths = max > 0 ? Math.round((Math.max(0, value) / max) * cells * 8) : 0;
  return "█".repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

const NAME_MAX = 14;
const MIN_BAR = 5;

export function shareBars(title: string, items: readonly Share[], width: number, height: number, p: Palette): string[] {
  const rows = Math.min(items.length, height - 1);
  const more = rows < items.length ? ` (top ${rows} of ${items.length})` : "";
  const head = p.bold(truncate(title + more, width));
  if (items.length === 0) return [head, p.dim(truncate("no sales yet", width))];
  if (rows <= 0) return [head];

  const shown = items.slice(0, rows);
  const max = Math.max(...shown.map((s) => s.ca));
  const nameW = Math.min(NAME_MAX, Math.max(...shown.map((s) => columns(s.name))), Math.floor(width / 4));
  const shares = shown.map((s) => formatPercent(s.share));
  const shareW = Math.max(...shares.map(columns));
  // The CA column shrinks (full, then compact, then gone) before the bar gets too short to compare.
  const layouts = [formatEuro, formatCompactEuro, null].map((format) => {
    const values = format ? shown.map((s) => format(s.ca)) : null;
    const valueW = values ? Math.max(...values.map(columns)) + 1 : 0;
    return { values, valueW, barW: width - nameW - shareW - valueW - 2 };
  });
  const { values, valueW, barW } = layouts.find((l) => l.barW >= MIN_BAR) ?? layouts.at(-1)!;

  return [
    head,
    ...shown.map((s, i) => {
      const bar = hbar(s.ca, max, Math.max(0, barW));
      const value = values ? padStart(values[i]!, valueW) : "";
      return `${fit(s.name, nameW)} ${p.cyan(bar)}${" ".repeat(Math.max(0, barW - columns(bar)))}${value} ${padStart(shares[i]!, shareW)}`;
    }),
  ];
}
