/**
 * Why a CSV header is not the expected one, in words a user can act on: the separator it seems
 * to use, the columns missing or extra, or the same columns in another order.
 */
export function headerDiagnosis(got: readonly string[], expected: readonly string[]): string {
  for (const [separator, name] of [[";", "semicolon"], ["\t", "tab"], ["|", "pipe"]] as const) {
    const split = got.join(",").split(separator).map((f) => f.trim());
    if (split.length > got.length && split.filter((f) => expected.includes(f)).length > got.filter((f) => expected.includes(f)).length) {
      return `the file looks ${name}-separated (${JSON.stringify(separator)}); SPEC's files are comma-separated`;
    }
  }
  const missing = expected.filter((c) => !got.includes(c));
  const extra = got.filter((c) => !expected.includes(c));
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${listed(missing)}`);
  if (extra.length) parts.push(`extra ${listed(extra.map((c) => (c === "" ? '""' : c)))}`);
  if (!parts.length && got.length === expected.length) return `the same columns in another order`;
  if (!parts.length) return `a column is repeated`;
  return parts.join("; ");
}

/** A header may hold 10,000 names: a diagnosis names the first few. */
const SHOWN = 5;
const listed = (names: string[]) => names.slice(0, SHOWN).join(", ") + (names.length > SHOWN ? ` and ${names.length - SHOWN} more` : "");
