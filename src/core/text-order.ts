/**
 * SPEC's text order: UTF-8 byte order, which is Unicode code-point order. JavaScript compares
 * UTF-16 code units instead, and the two disagree only when a surrogate (U+D800–U+DFFF, half
 * of a character above U+FFFF) meets a unit in U+E000–U+FFFF: the surrogate is smaller as a
 * code unit but stands for a larger code point.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates above U+E000–U+FFFF so code units rank like the code points they start. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}
