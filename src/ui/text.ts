/**
 * Terminal columns, not string length: a CJK product name takes two columns per character,
 * a combining accent none, and escape codes none. Everything that lays text out in a fixed
 * width goes through these.
 */

/** Columns the text occupies once printed (escape codes excluded). */
export const columns = (text: string): number => Bun.stringWidth(text);

const ELLIPSIS = "…";

/** Plain text cut to at most `max` columns, ending with an ellipsis when something was cut. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return "";
  if (columns(text) <= max) return text;
  let out = "";
  let used = 0;
  for (const ch of text) {
    const w = columns(ch);
    if (used + w > max - 1) break;
    out += ch;
    used += w;
  }
  return out + ELLIPSIS;
}

export function padEnd(text: string, width: number): string {
  const gap = width - columns(text);
  return gap > 0 ? text + " ".repeat(gap) : text;
}

export function padStart(text: string, width: number): string {
  const gap = width - columns(text);
  return gap > 0 ? " ".repeat(gap) + text : text;
}

/** Plain text in exactly `width` columns: cut or padded. */
export const fit = (text: string, width: number): string => padEnd(truncate(text, width), width);

/** The first candidate that fits in `width` columns, else the last one cut to fit. */
export function firstFit(width: number, candidates: readonly string[]): string {
  for (const c of candidates) if (columns(c) <= width) return c;
  return truncate(candidates.at(-1) ?? "", width);
}
