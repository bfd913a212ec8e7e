import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { csvLine } from "../../../src/formats/csv.ts";
import { CsvByteParser } from "../../../src/formats/csv-reader.ts";
import { StagedFile } from "../../../src/pipeline/staging.ts";
import { RejectWriter } from "../../../src/pipeline/silver/rejects.ts";

/**
 * The rejects writer spells a record from its bytes: what it writes must be, byte for byte,
 * csvLine of the record's decoded fields (missing ones null, extra ones dropped), then the
 * reason and the line, whatever the fields hold.
 */

const COLUMNS = ["a", "b", "c"];
const CODES = ["bad", "worse"] as const;

/** Quotes every field, so any text survives the trip through the reader. */
const quoted = (fields: string[]) => fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(",");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-rejects-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Parses `csv`, rejects every record with alternating codes, and returns the file and the expected text. */
async function roundTrip(name: string, csv: string): Promise<{ written: string; expected: string; writer: RejectWriter<(typeof CODES)[number]> }> {
  const path = join(dir, name);
  const writer = new RejectWriter(new StagedFile(path), COLUMNS, CODES);
  const parser = new CsvByteParser({ file: name });
  let expected = csvLine([...COLUMNS, "reason", "line"]);
  let n = 0;
  // A batch is valid until the next push or end: each is written before the next is read.
  for (const read of [() => parser.push(new TextEncoder().encode(csv)), () => parser.end()]) {
    const batch = read();
    for (let r = 0; r < batch.count; r++) {
      const reason = CODES[n++ % 2]!;
      const fields = batch.fields(r);
      expected += csvLine([...COLUMNS.map((_, i) => fields[i] ?? null), reason, batch.lines[r]!]);
      writer.add(batch, r, reason);
    }
    writer.flush();
  }
  writer.close();
  return { written: await readFile(path, "utf8"), expected, writer };
}

describe("RejectWriter", () => {
  test("fields that need quoting, Unicode spaces at an edge, empty, missing and extra fields", async () => {
    const rows = [
      quoted(["plain", "with,comma", 'say "hi"']),
      quoted([" leading", "trailing ", "\tTab"]),
      quoted(["\u00a0nbsp", "ideo\u3000", "\ufeffbom"]),
      quoted(["multi\nline", "cr\rhere", "é accent"]),
      quoted(["Zoé", "😀", "end😀"]),
      "1,,3",
      "only-one",
      "a,b,c,d,e",
      "",
      '"",x,""',
    ];
    const { written, expected, writer } = await roundTrip("edges.csv", rows.join("\n") + "\n");
    expect(written).toBe(expected);
    expect(writer.total).toBe(9);
    expect(writer.counts).toEqual({ bad: 5, worse: 4 });
    // A sample keeps the fields as read, null where the row had none.
    // (Line 8: the quoted line break of the fourth row takes two lines.)
    expect(Object.values(writer.samples).flat().find((s) => s.fields[0] === "only-one")).toEqual({ line: 8, fields: ["only-one", null, null] });
  });

  test("random fields over a hostile alphabet read back as csvLine spells them", async () => {
    const alphabet = ["a", "Z", "0", " ", ",", '"', "\n", "\r", "\t", "\u00a0", "\u2009", "\u3000", "é", "😀", ";", "'"];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const rows: string[] = [];
    for (let r = 0; r < 2_000; r++) {
      const fields = Array.from({ length: 1 + Math.floor(next() * 4) }, () =>
        Array.from({ length: Math.floor(next() * 6) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(""),
      );
      rows.push(quoted(fields));
    }
    const { written, expected } = await roundTrip("random.csv", rows.join("\n") + "\n");
    expect(written).toBe(expected);
  });
});
