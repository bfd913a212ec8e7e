/**
 * Numbers for people, written the same on every machine: `1,234,567.89 €`, `+12.3 %`.
 * Built by hand rather than with toLocaleString so the output never depends on the ICU data
 * or locale of the machine, and so a frame full of numbers costs no Intl formatter per value.
 */

/** What a missing value (a SPEC null) looks like. */
export const NONE = "—";

/** `1234567` → `1,234,567`: the digits of a non-negative integer written in groups of three. */
function groupThousands(digits: string): string {
  const head = digits.length % 3 || 3;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return out;
}

/** Fixed decimals, thousands separated; never `-0.00`. */
export function formatNumber(n: number, decimals = 0): string {
  if (!Number.isFinite(n)) return NONE;
  const fixed = Math.abs(n).toFixed(decimals);
  const point = fixed.indexOf(".");
  const int = point < 0 ? fixed : fixed.slice(0, point);
  const frac = point < 0 ? "" : fixed.slice(point);
  const negative = n < 0 && /[1-9]/.test(fixed);
  return `${negative ? "-" : ""}${groupThousands(int)}${frac}`;
}

export const formatInt = (n: number | null): string => (n === null ? NONE : formatNumber(n, 0));

export const formatEuro = (n: number | null, decimals = 2): string =>
  n === null ? NONE : `${formatNumber(n, decimals)} €`;

/** A percentage; `signed` writes `+` before a positive value (growth rates). */
export function formatPercent(n: number | null, decimals = 1, signed = false): string {
  if (n === null) return NONE;
  const text = formatNumber(n, decimals);
  return `${signed && n > 0 && text !== formatNumber(0, decimals) ? "+" : ""}${text} %`;
}

const UNITS: [number, string][] = [
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "k"],
];

/** Three significant digits and a unit prefix, for axes and narrow cells. */
function compact(n: number): { text: string; unit: string } {
  const abs = Math.abs(n);
  for (const [size, unit] of UNITS) {
    if (abs < size) continue;
    const v = Math.abs(n / size);
    return { text: formatNumber(n / size, v < 10 ? 2 : v < 100 ? 1 : 0), unit };
  }
  return { text: formatNumber(n, abs < 10 && abs !== Math.trunc(abs) ? 1 : 0), unit: "" };
}

/** `850`, `12.3 k`, `1.23 M`. */
export function formatCompact(n: number): string {
  const { text, unit } = compact(n);
  return unit ? `${text} ${unit}` : text;
}

/** `850 €`, `12.3 k€`, `1.23 M€`. */
export function formatCompactEuro(n: number): string {
  const { text, unit } = compact(n);
  return `${text} ${unit}€`;
}

/** `850 ms`, `12.34 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return NONE;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** How long ago, coarsely: `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function formatAge(ms: number): string {
  if (ms < 5_000) return "just now";
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** The time of day of an instant, UTC: `12:34:56`. */
export const formatTime = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** An instant as `2024-06-01 12:34:56 UTC`. */
export function formatUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}
