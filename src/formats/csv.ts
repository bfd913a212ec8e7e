/** RFC 4180 CSV writing, with SPEC's number and null spellings; the reader is csv-reader.ts. */

export type CsvValue = string | number | null | undefined;

const NEEDS_QUOTES = /[",\r\n]/;

/** The set String.prototype.trim removes: a value edged with one is quoted so no reader trims it. */
function isTrimSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return v === 0 ? "0" : String(v); // SPEC: -0 is written 0
  if (v.length === 0) return v;
  if (NEEDS_QUOTES.test(v) || isTrimSpace(v.charCodeAt(0)) || isTrimSpace(v.charCodeAt(v.length - 1))) {
    return `"${v.replaceAll('"', '""')}"`;
  }
  return v;
}

/** One record, newline-terminated. */
export function csvLine(values: readonly CsvValue[]): string {
  let out = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    out += csvField(values[i]);
  }
  // A lone empty field would be a blank line, which readers skip.
  return out.length === 0 && values.length > 0 ? '""\n' : out + "\n";
}
