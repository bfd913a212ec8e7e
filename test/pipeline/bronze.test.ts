import { expect, test } from "bun:test";
import fc from "fast-check";
import { parseCsv } from "../../src/formats/csv-reader.ts";
import { RecordCounter } from "../../src/pipeline/bronze.ts";

/** Bronze's quick count must agree with what the CSV reader makes of the same bytes. */
async function parsedRecords(text: string): Promise<number> {
  let n = 0;
  const bytes = new TextEncoder().encode(text);
  for await (const batch of parseCsv((async function* () { yield bytes; })(), { file: "t.csv" })) n += batch.length;
  return Math.max(0, n - 1);
}

function counted(text: string, split: number): number {
  const bytes = new TextEncoder().encode(text);
  const counter = new RecordCounter();
  counter.push(bytes.subarray(0, split));
  counter.push(bytes.subarray(split));
  return counter.finish();
}

const CASES = [
  "h\n1\n2\n",
  "h\r\n1\r\n\r\n2",
  'h\n"a\nb",1\n2\n',
  'h\n5" screen,x\n2\n', // a quote inside an unquoted field is data
  'h\n"say ""hi""\n and go",1\n3\n',
  'h\n"ab"c,1\n"x",""\n',
  "h\n\n\n",
  "h",
  "",
  "h\n   \n1,\n",
  "\uFEFF\r\nh\n1\n2\n", // a byte-order mark, then a blank line
  '\uFEFF"h,1"\n"a\nb",2\n', // a mark, then a quote that opens the first field
  "\uFEFFh",
];

test.each(CASES)("agrees with the reader on %j, at every split", async (text) => {
  const expected = await parsedRecords(text);
  for (let split = 0; split <= new TextEncoder().encode(text).length; split++) {
    expect(counted(text, split)).toBe(expected);
  }
});

test("agrees with the reader on random text cut into random chunks", async () => {
  const text = fc
    .tuple(fc.constantFrom("", "\uFEFF", "\uFEFF\uFEFF"), fc.string({ unit: fc.constantFrom("a", ",", '"', "\n", "\r", " ", "\uFEFF"), maxLength: 40 }))
    .map(([mark, rest]) => mark + rest);
  await fc.assert(
    fc.asyncProperty(text, fc.nat(), fc.nat(), async (t, a, b) => {
      // Text the reader refuses (a quote never closed) has no count to agree with.
      const expected = await parsedRecords(t).catch(() => null);
      fc.pre(expected !== null);
      const bytes = new TextEncoder().encode(t);
      const [i, j] = [a % (bytes.length + 1), b % (bytes.length + 1)].sort((x, y) => x - y) as [number, number];
      const counter = new RecordCounter();
      for (const part of [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]) counter.push(part);
      expect(counter.finish()).toBe(expected!);
    }),
    { numRuns: 3000 },
  );
});
