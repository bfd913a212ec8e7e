import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { ACHAT_COLUMNS, CLIENT_COLUMNS } from "../../src/contract/sources.ts";
import { InputError } from "../../src/core/errors.ts";
import { csvField, csvLine } from "../../src/formats/csv.ts";
import { DEFAULT_MAX_RECORD_LENGTH, parseCsv, type CsvRecord, type CsvReadOptions } from "../../src/formats/csv-reader.ts";
import { compiledElt } from "../support/compiled.ts";

const encode = (s: string) => new TextEncoder().encode(s);

async function* chunksOf(parts: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield part;
}

/** Parses the byte chunks and flattens the batches. */
async function read(parts: readonly Uint8Array[], options: Partial<CsvReadOptions> = {}): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const batch of parseCsv(chunksOf(parts), { file: "in.csv", ...options })) out.push(...batch);
  return out;
}

const readText = (text: string, options?: Partial<CsvReadOptions>) => read([encode(text)], options);

/** The InputError a read throws (the test fails if it does not throw one). */
async function failure(parts: readonly Uint8Array[], options?: Partial<CsvReadOptions>): Promise<InputError> {
  try {
    await read(parts, options);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error("expected an InputError");
}

function splitAt(bytes: Uint8Array, ...cuts: number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    parts.push(bytes.subarray(from, cut));
    from = cut;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

describe("parseCsv", () => {
  test("LF records with their line numbers", async () => {
    expect(await readText("a,b,c\n1,2,3\n")).toEqual([
      { fields: ["a", "b", "c"], line: 1 },
      { fields: ["1", "2", "3"], line: 2 },
    ]);
  });

  test("CRLF line endings are dropped, a final record needs no newline", async () => {
    expect(await readText("a,b\r\n1,2\r\n3,4")).toEqual([
      { fields: ["a", "b"], line: 1 },
      { fields: ["1", "2"], line: 2 },
      { fields: ["3", "4"], line: 3 },
    ]);
  });

  test("a leading byte-order mark is dropped, even split across chunks", async () => {
    const bytes = encode("\uFEFFid,nom\n1,x\n");
    const expected = [
      { fields: ["id", "nom"], line: 1 },
      { fields: ["1", "x"], line: 2 },
    ];
    expect(await read([bytes])).toEqual(expected);
    expect(await read(splitAt(bytes, 1, 2))).toEqual(expected);
  });

  test("a byte-order mark after the start is data", async () => {
    expect(await readText("a\n\uFEFFb\n")).toEqual([
      { fields: ["a"], line: 1 },
      { fields: ["\uFEFFb"], line: 2 },
    ]);
  });

  test("blank lines are not records; a line of spaces is", async () => {
    expect(await readText("a\n\n\r\n  \nb\n\n")).toEqual([
      { fields: ["a"], line: 1 },
      { fields: ["  "], line: 4 },
      { fields: ["b"], line: 5 },
    ]);
  });

  test("a final lone CR is a blank line", async () => {
    expect(await readText("a\n\r")).toEqual([{ fields: ["a"], line: 1 }]);
  });

  test("an empty last field at the end of input, with no newline, stays empty", async () => {
    expect(await readText("a,b,")).toEqual([{ fields: ["a", "b", ""], line: 1 }]);
    expect(await readText('x\n1,10,')).toEqual([
      { fields: ["x"], line: 1 },
      { fields: ["1", "10", ""], line: 2 },
    ]);
  });

  test("doubled quotes and commas count toward the record cap", async () => {
    expect((await failure([encode(`"${'""'.repeat(600)}"\n`)], { maxRecordLength: 1000 })).message).toContain("record is longer");
    expect((await failure([encode(",".repeat(2000) + "\n")], { maxRecordLength: 1000 })).message).toContain("record is longer");
  });

  test("empty fields, and a quoted empty field is a record", async () => {
    expect(await readText(',\na,\n,b\n""\n')).toEqual([
      { fields: ["", ""], line: 1 },
      { fields: ["a", ""], line: 2 },
      { fields: ["", "b"], line: 3 },
      { fields: [""], line: 4 },
    ]);
  });

  test("fields stay untrimmed", async () => {
    expect(await readText(" a , b\t\n")).toEqual([{ fields: [" a ", " b\t"], line: 1 }]);
  });

  test("quoted fields hold commas, doubled quotes and newlines; later lines keep counting", async () => {
    const text = 'id,v\n1,"a,b"\n2,"say ""hi"""\n3,"two\nlines\r\nthree"\n4,"x"\r\n5,end\n';
    expect(await readText(text)).toEqual([
      { fields: ["id", "v"], line: 1 },
      { fields: ["1", "a,b"], line: 2 },
      { fields: ["2", 'say "hi"'], line: 3 },
      { fields: ["3", "two\nlines\r\nthree"], line: 4 },
      { fields: ["4", "x"], line: 7 },
      { fields: ["5", "end"], line: 8 },
    ]);
  });

  test("a CR inside quotes is data, even right before the line end", async () => {
    expect(await readText('"a\rb","c\r"\r\nz')).toEqual([
      { fields: ["a\rb", "c\r"], line: 1 },
      { fields: ["z"], line: 2 },
    ]);
  });

  test("a CR in an unquoted field is data", async () => {
    expect(await readText("a\rb,c\n")).toEqual([{ fields: ["a\rb", "c"], line: 1 }]);
  });

  test("a quoted last field at end of input without a newline", async () => {
    expect(await readText('1,"x ""y"""')).toEqual([{ fields: ["1", 'x "y"'], line: 1 }]);
  });

  test("a stray quote in an unquoted field is data; text after a closing quote is appended", async () => {
    expect(await readText('5" screen,ab"c\n"ab"cd,"x" \n')).toEqual([
      { fields: ['5" screen', 'ab"c'], line: 1 },
      { fields: ["abcd", "x "], line: 2 },
    ]);
  });

  test("a NUL byte is data", async () => {
    expect(await readText("a\u0000b,c\n")).toEqual([{ fields: ["a\u0000b", "c"], line: 1 }]);
  });

  test("records may have any number of fields", async () => {
    expect((await readText("a\na,b,c,d\n")).map((r) => r.fields.length)).toEqual([1, 4]);
  });

  test("multi-byte characters survive", async () => {
    expect(await readText('é,"😀,ü"\n')).toEqual([{ fields: ["é", "😀,ü"], line: 1 }]);
  });

  test("every split of the input into chunks gives the same records", async () => {
    const sample = '\uFEFFid,nom\r\n1,"a,""b""\r\nc"\n\n2,é😀 ,"x\r"\n  \n3,"",\r\n4,"q"z\n5,end';
    const bytes = encode(sample);
    const expected: CsvRecord[] = [
      { fields: ["id", "nom"], line: 1 },
      { fields: ["1", 'a,"b"\r\nc'], line: 2 },
      { fields: ["2", "é😀 ", "x\r"], line: 5 },
      { fields: ["  "], line: 6 },
      { fields: ["3", "", ""], line: 7 },
      { fields: ["4", "qz"], line: 8 },
      { fields: ["5", "end"], line: 9 },
    ];
    expect(await read([bytes])).toEqual(expected);
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const got = await read(splitAt(bytes, i, j));
        if (!Bun.deepEquals(got, expected)) expect({ cuts: [i, j], got }).toEqual({ cuts: [i, j], got: expected });
      }
    }
    const oneByteChunks = Array.from(bytes, (_, k) => bytes.subarray(k, k + 1));
    expect(await read(oneByteChunks)).toEqual(expected);
  });

  test("batches: one per chunk that completes a record", async () => {
    const batches: number[] = [];
    const parts = [encode("a\nb\n"), encode("c"), encode("\nd")];
    for await (const batch of parseCsv(chunksOf(parts), { file: "in.csv" })) batches.push(batch.length);
    expect(batches).toEqual([2, 1, 1]);
  });

  describe("invalid UTF-8 names its line", () => {
    const before = encode('a\n"b\nc"\nd');
    const after = encode("e\nf\n");
    const joined = (...parts: Uint8Array[]) => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    };

    test("a lone continuation byte on line 4 (after a two-line quoted field)", async () => {
      const err = await failure([joined(before, new Uint8Array([0x80]), after)]);
      expect(err.message).toBe("in.csv:4: bytes are not valid UTF-8; as Latin-1 it would read \"d€e\"; if so, convert the file: iconv -f WINDOWS-1252 -t UTF-8");
      expect(err.line).toBe(4);
      expect(err.file).toBe("in.csv");
    });

    test("found in a later chunk at every split", async () => {
      const bytes = joined(before, new Uint8Array([0xff]), after);
      for (let i = 0; i <= bytes.length; i++) {
        const err = await failure(splitAt(bytes, i));
        expect(`${i}: ${err.message}`).toBe(`${i}: in.csv:4: bytes are not valid UTF-8; as Latin-1 it would read "dÿe"; if so, convert the file: iconv -f WINDOWS-1252 -t UTF-8`);
      }
    });

    test("a sequence started in one chunk and broken in the next", async () => {
      // E2 82 starts a three-byte character; the LF that follows cannot finish it.
      const bytes = joined(encode("x\ny"), new Uint8Array([0xe2, 0x82]), encode("\nz\n"));
      for (let i = 0; i <= bytes.length; i++) {
        const err = await failure(splitAt(bytes, i));
        expect(`${i}: ${err.message}`).toBe(`${i}: in.csv:2: bytes are not valid UTF-8`);
      }
    });

    test("a character cut off by the end of input", async () => {
      const err = await failure([joined(encode("a\nb\n"), new Uint8Array([0xf0, 0x9f, 0x98]))]);
      expect(err.message).toBe("in.csv:3: bytes are not valid UTF-8");
    });

    test("an encoded surrogate (ED A0 80) is refused", async () => {
      const err = await failure([joined(encode("a\n"), new Uint8Array([0xed, 0xa0, 0x80]))]);
      expect(err.message).toBe("in.csv:2: bytes are not valid UTF-8");
    });
  });

  test("an unterminated quote names the line where it opened", async () => {
    const err = await failure([encode('id,v\n1,x\n2,"never\nclosed\n')]);
    expect(err.message).toBe("in.csv:3: quoted field is never closed");
    expect(err.line).toBe(3);
  });

  describe("the record length cap", () => {
    test("a long unquoted line", async () => {
      expect(await readText("abcd,efgh\n", { maxRecordLength: 9 })).toHaveLength(1);
      const err = await failure([encode("ok\nabcd,efghi\n")], { maxRecordLength: 9 });
      expect(err.message).toBe("in.csv:2: record is longer than 9 bytes");
    });

    test("a quoted field growing over chunks stops at the cap, not at the end of input", async () => {
      const parts = [encode('ok\n"'), ...Array.from({ length: 10 }, () => encode("0123456789\n"))];
      const err = await failure(parts, { maxRecordLength: 25 });
      expect(err.message).toBe("in.csv:2: record is longer than 25 bytes");
    });

    test("a line without a newline", async () => {
      const err = await failure([encode("a\n0123"), encode("456789")], { maxRecordLength: 8 });
      expect(err.message).toBe("in.csv:2: record is longer than 8 bytes");
    });

    // Each of its lines is under the cap: only the record as a whole, once its quote closes, is not.
    test("a quoted record of short lines that closes within one chunk is held to the cap as a whole", async () => {
      const record = `"${"0123456789\n".repeat(3)}",x`;
      expect(await readText(`ok\n${record}\nlast\n`, { maxRecordLength: record.length })).toHaveLength(3);
      for (const end of ["\n", ""]) {
        const err = await failure([encode(`ok\n${record}${end}`)], { maxRecordLength: record.length - 1 });
        expect(err.message).toBe(`in.csv:2: record is longer than ${record.length - 1} bytes`);
      }
    });
  });
});

describe("csvField and csvLine", () => {
  test("values that need no quotes are written as they are", () => {
    expect(csvLine(["abc", "a b", "é", "x-y"])).toBe("abc,a b,é,x-y\n");
  });

  test("quotes when a value has a comma, quote, CR or LF, or white space at an edge", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("a\rb")).toBe('"a\rb"');
    expect(csvField("a\nb")).toBe('"a\nb"');
    expect(csvField(" a")).toBe('" a"');
    expect(csvField("a\t")).toBe('"a\t"');
    expect(csvField("\u00a0a")).toBe('"\u00a0a"');
  });

  test("numbers as String(n), -0 as 0; null and undefined as empty", () => {
    expect(csvLine([1.5, -0, 0, -3, 1e21, 0.1 + 0.2, null, undefined])).toBe(
      "1.5,0,0,-3,1e+21,0.30000000000000004,,\n",
    );
  });

  test("a record of one empty value is not a blank line", () => {
    expect(csvLine([""])).toBe('""\n');
    expect(csvLine([null])).toBe('""\n');
    expect(csvLine([])).toBe("\n");
  });

  test("round trip: what csvLine writes, parseCsv reads back, with each record's line", async () => {
    const value = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.constantFrom("", ",", '"', "\r\n", "\r", "\n", " x ", '""', "\uFEFF"),
      fc.double({ noNaN: true }),
    );
    const rowsArb = fc.array(fc.array(value, { minLength: 1, maxLength: 6 }), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(rowsArb, fc.nat(), async (rows, cut) => {
        const lines = rows.map(csvLine);
        const bytes = encode(lines.join(""));
        const got = await read(splitAt(bytes, cut % (bytes.length + 1)));
        let line = 1;
        const expected = rows.map((row, k) => {
          const record = { fields: row.map((v) => (typeof v === "string" ? v : Object.is(v, -0) ? "0" : String(v))), line };
          line += lines[k]!.split("\n").length - 1;
          return record;
        });
        expect(got).toEqual(expected);
      }),
    );
  });
});

describe("the record length cap ignores a CRLF's CR", () => {
  test("a record of exactly the cap passes wherever the chunks end, quoted or not", async () => {
    for (const record of ["abcdefgh", '"abc",de']) {
      const bytes = encode(`${record}\r\nz\r\n`);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const got = await read(splitAt(bytes, cut), { maxRecordLength: 8 });
        expect([record, cut, got.length]).toEqual([record, cut, 2]);
      }
      expect((await failure([encode(`${record}x\r\n`)], { maxRecordLength: 8 })).message).toContain("record is longer");
    }
  });
});

test("elt run silver: a quoted record of short lines one byte over the cap fails on its line, in one line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "elt-csv-cap-"));
  try {
    // One byte over: no chunk can end with the record still open and already over the cap, so
    // only the check made when its quote closes can stop it.
    const start = '2,1,2024-01-01,10,"';
    const lines = "0123456789abcde\n".repeat(Math.ceil(DEFAULT_MAX_RECORD_LENGTH / 16));
    const record = `${start}${lines.slice(0, DEFAULT_MAX_RECORD_LENGTH - start.length)}"`;
    expect(record.length).toBe(DEFAULT_MAX_RECORD_LENGTH + 1);
    const sources = join(dir, "sources");
    mkdirSync(sources);
    writeFileSync(join(sources, "clients.csv"), `${CLIENT_COLUMNS.join(",")}\n1,Ada,ada@example.com,2024-01-01,France\n`);
    writeFileSync(join(sources, "achats.csv"), `${ACHAT_COLUMNS.join(",")}\n1,1,2024-01-01,10,Phone\n${record}\n3,1,2024-01-02,20,Phone\n`);
    const elt = await compiledElt();
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1", ELT_HOME: join(dir, "home") };
    const run = (layer: string) => Bun.spawnSync([elt, "run", layer, "--sources", sources, "--as-of", "2026-11-01"], { env });
    expect(run("bronze").exitCode).toBe(0);
    const silver = run("silver");
    expect(silver.exitCode).toBe(1);
    const err = silver.stderr.toString().trimEnd();
    expect(err.split("\n")).toHaveLength(1);
    expect(err).toEndWith(`achats.csv:3: record is longer than ${DEFAULT_MAX_RECORD_LENGTH} bytes`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
