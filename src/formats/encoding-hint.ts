/**
 * Bytes that are not UTF-8 are refused (SPEC), but the commonest cause is a file saved as
 * Latin-1 / Windows-1252 by a spreadsheet. When the offending line reads as such text, the
 * message says how it would read and how to convert, instead of leaving the user to guess.
 */
export function latin1Hint(line: Uint8Array): string | null {
  for (let i = 0; i < line.length; i++) {
    const b = line[i]!;
    // Control bytes other than tab and CR: binary data, not text in another encoding.
    if (b < 0x20 && b !== 0x09 && b !== 0x0d) return null;
    // Two non-ASCII bytes in a row look like broken UTF-8 (a cut or corrupted character), not
    // like Latin-1, where accented letters stand alone between ASCII ones.
    if (b >= 0x80 && i + 1 < line.length && line[i + 1]! >= 0x80) return null;
  }
  const text = new TextDecoder("windows-1252").decode(line).replace(/\r$/, "");
  if (/[\u0080-\u009f]/.test(text)) return null;
  const excerpt = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return `as Latin-1 it would read ${JSON.stringify(excerpt)}; if so, convert the file: iconv -f WINDOWS-1252 -t UTF-8`;
}
