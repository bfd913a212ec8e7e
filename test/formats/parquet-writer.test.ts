import { describe, expect, test } from "bun:test";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { ParquetStreamWriter, readParquetRows } from "../../src/formats/parquet.ts";
import { Utf8Values, type Column } from "../../src/columnar/columns.ts";
import type { Cell, ColumnDef, Row } from "../../src/contract/columns.ts";

/**
 * The writer's column kinds beyond arrays of Cells: typed arrays and Indexed columns (values
 * held once, picked by index, null outside them). Whatever the kind, a file must read back as
 * the same cells, with hyparquet as well as with our reader.
 */

function fileOf(columns: readonly ColumnDef[], batches: { values: Column[]; rows: number }[], blockBytes?: number): Uint8Array {
  const writer = new ParquetStreamWriter(columns, { blockBytes });
  const chunks = batches.flatMap(({ values, rows }) => writer.writeBatch(values, rows));
  chunks.push(...writer.finish());
  return Buffer.concat(chunks);
}

async function ourRows(file: Uint8Array, columns: readonly ColumnDef[]): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of readParquetRows(file, columns)) rows.push(...batch);
  return rows;
}

/** hyparquet's rows as Cells: BIGINT to number, DATE to YYYY-MM-DD. */
async function hyparquetRows(file: Uint8Array): Promise<Row[]> {
  const rows = await parquetReadObjects({ file: file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer });
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        typeof v === "bigint" ? Number(v) : v instanceof Date ? v.toISOString().slice(0, 10) : ((v ?? null) as Cell),
      ]),
    ),
  );
}

const utf8Values = (strings: string[]) => {
  const values = new Utf8Values();
  for (const s of strings) values.pushString(s);
  return values;
};

const encodingsOf = (file: Uint8Array) =>
  parquetMetadata(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer).row_groups[0]!.columns.map(
    (c) => c.meta_data!.encodings.includes("RLE_DICTIONARY"),
  );

describe("Indexed columns", () => {
  const columns: ColumnDef[] = [
    { name: "few", type: "string" },
    { name: "many", type: "string" },
    { name: "amount", type: "double" },
    { name: "id", type: "int" },
    { name: "day", type: "date" },
  ];
  const words = ["Laptop", "", "Émile", "\u{1F600}", 'say "hi", then\nleave'];
  const rows = 400;
  const few = Int32Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? -1 : i % 11 === 0 ? words.length : i % words.length));
  const manyStrings = Array.from({ length: rows }, (_, i) => `value ${i} \u00e9`);
  const many = Int32Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? -1 : rows - 1 - i));
  const amounts = Float64Array.from([0.1, -0, 1e300, 2.5]);
  const ids = Float64Array.from([1, Number.MAX_SAFE_INTEGER, -(2 ** 40), 0]);
  const days = Int32Array.from([-719162, 0, 19782, 2932896]);
  const small = Int32Array.from({ length: rows }, (_, i) => (i % 5 === 4 ? 9 : i % 4));
  const values: Column[] = [
    { values: utf8Values(words), index: few },
    { values: utf8Values(manyStrings), index: many },
    { values: amounts, index: small },
    { values: ids, index: small },
    { values: days, index: small },
  ];
  const expected: Row[] = Array.from({ length: rows }, (_, i) => {
    const at = small[i]!;
    const pick = <T,>(list: ArrayLike<T>, k: number): T | null => (k >= 0 && k < list.length ? list[k]! : null);
    return {
      few: pick(words, few[i]!),
      many: pick(manyStrings, many[i]!),
      amount: pick(amounts, at),
      id: pick(ids, at),
      day: at < 4 ? ["0001-01-01", "1970-01-01", "2024-02-29", "9999-12-31"][at]! : null,
    };
  });

  test("read back as the cells they stand for, nulls where the index falls outside", async () => {
    const file = fileOf(columns, [{ values, rows }]);
    expect(await ourRows(file, columns)).toEqual(expected);
    expect(await hyparquetRows(file)).toEqual(expected);
  });

  test("values that repeat get a dictionary, of any type; values that hardly repeat are PLAIN", async () => {
    const file = fileOf(columns, [{ values, rows }]);
    expect(encodingsOf(file)).toEqual([true, false, true, true, true]);
    const unique = Int32Array.from({ length: rows }, (_, i) => (i % 9 === 0 ? -1 : i));
    const spread: Column[] = [
      { values: utf8Values(manyStrings), index: unique },
      { values: utf8Values(manyStrings), index: unique },
      { values: Float64Array.from({ length: rows }, (_, i) => i / 8), index: unique },
      { values: Float64Array.from({ length: rows }, (_, i) => -i), index: unique },
      { values: Int32Array.from({ length: rows }, (_, i) => 19000 + i), index: unique },
    ];
    const plain = fileOf(columns, [{ values: spread, rows }]);
    expect(encodingsOf(plain)).toEqual([false, false, false, false, false]);
    const read = await ourRows(plain, columns);
    expect(read[1]).toEqual({ few: "value 1 \u00e9", many: "value 1 \u00e9", amount: 1 / 8, id: -1, day: "2022-01-09" });
    expect(read[9]).toEqual({ few: null, many: null, amount: null, id: null, day: null });
    expect(await hyparquetRows(plain)).toEqual(read);
  });

  test("a dictionary's statistics are those of the values it holds", () => {
    const file = fileOf(columns, [{ values, rows }]);
    const meta = parquetMetadata(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer);
    const stats = meta.row_groups[0]!.columns.map((c) => c.meta_data!.statistics);
    expect([stats[3]!.min_value, stats[3]!.max_value]).toEqual([-(2 ** 40), Number.MAX_SAFE_INTEGER].map(BigInt));
    expect([stats[4]!.min_value, stats[4]!.max_value].map((d) => (d as Date).toISOString().slice(0, 10))).toEqual(["0001-01-01", "9999-12-31"]);
  });

  test("the dictionary holds the values the chunk uses, not every value of the column", async () => {
    const column: ColumnDef[] = [{ name: "s", type: "string" }];
    const values = utf8Values(Array.from({ length: 1000 }, (_, i) => `name-${i}`));
    const index = Int32Array.from({ length: 100 }, (_, i) => [3, 500, 999][i % 3]!);
    const file = fileOf(column, [{ values: [{ values, index }], rows: 100 }]);
    expect(encodingsOf(file)).toEqual([true]);
    expect(Buffer.from(file).includes(Buffer.from("name-500"))).toBe(true);
    expect(Buffer.from(file).includes(Buffer.from("name-4"))).toBe(false);
    expect((await ourRows(file, column)).slice(0, 4).map((r) => r.s)).toEqual(["name-3", "name-500", "name-999", "name-3"]);
  });

  test("a null in a column declared not nullable is refused", () => {
    const required: ColumnDef[] = [{ name: "few", type: "string", nullable: false }];
    expect(() => fileOf(required, [{ values: [{ values: utf8Values(words), index: Int32Array.from([0, -1]) }], rows: 2 }])).toThrow(
      /row 1 is null/,
    );
  });
});

describe("typed arrays", () => {
  test("numbers and day numbers, OPTIONAL or REQUIRED, using only the batch's first rows", async () => {
    for (const nullable of [true, false]) {
      const columns: ColumnDef[] = [
        { name: "id", type: "int", nullable },
        { name: "amount", type: "double", nullable },
        { name: "day", type: "date", nullable },
      ];
      const values: Column[] = [Float64Array.from([7, 2 ** 53 - 1, 99]), Float64Array.from([-0.5, 1e-300, 99]), Int32Array.from([0, -1, 99])];
      const expected = [
        { id: 7, amount: -0.5, day: "1970-01-01" },
        { id: 2 ** 53 - 1, amount: 1e-300, day: "1969-12-31" },
      ];
      const file = fileOf(columns, [{ values, rows: 2 }]);
      expect(await ourRows(file, columns)).toEqual(expected);
      expect(await hyparquetRows(file)).toEqual(expected);
    }
  });
});

describe("output blocks", () => {
  const columns: ColumnDef[] = [
    { name: "id", type: "int" },
    { name: "label", type: "string" },
  ];
  const batch = (from: number, n: number) => ({
    values: [Array.from({ length: n }, (_, i) => from + i), Array.from({ length: n }, (_, i) => `row ${from + i}`)] as Column[],
    rows: n,
  });
  const batches = [batch(0, 300), batch(300, 5), batch(305, 1000)];

  test("blocks of any size make the same file", async () => {
    const whole = fileOf(columns, batches);
    for (const size of [1, 7, 100, 4096]) expect(Buffer.from(fileOf(columns, batches, size)).equals(Buffer.from(whole))).toBe(true);
    expect((await ourRows(whole, columns)).map((r) => r.id)).toEqual(Array.from({ length: 1305 }, (_, i) => i));
  });

  test("full blocks are handed back as batches fill them, the rest when the file is finished", () => {
    const writer = new ParquetStreamWriter(columns, { blockBytes: 1024 });
    const first = writer.writeBatch(batches[0]!.values, batches[0]!.rows);
    expect(first.length).toBeGreaterThan(1);
    expect(first.every((b) => b.length === 1024)).toBe(true);
    const rest = writer.finish();
    expect(rest.at(-1)!.length).toBeLessThanOrEqual(1024);
    expect(Buffer.from(rest.at(-1)!.subarray(-4)).toString()).toBe("PAR1");
  });

  test("recycled blocks make the same file when each call's blocks are consumed before the next", () => {
    const whole = fileOf(columns, batches);
    for (const blockBytes of [7, 100, 1024]) {
      const writer = new ParquetStreamWriter(columns, { blockBytes, recycle: true });
      const copies: Buffer[] = [];
      const handed = new Set<Uint8Array>();
      let mostInOneCall = 0;
      const calls = [...batches.map(({ values, rows }) => () => writer.writeBatch(values, rows)), () => writer.finish()];
      for (const call of calls) {
        const blocks = call();
        mostInOneCall = Math.max(mostInOneCall, blocks.length);
        for (const block of blocks) {
          copies.push(Buffer.from(block));
          handed.add(block);
        }
      }
      expect(Buffer.concat(copies).equals(Buffer.from(whole))).toBe(true);
      // Written over, not fresh: no more blocks than one call hands out, plus the one being
      // filled between calls and the view of the file's last one.
      expect(handed.size).toBeLessThanOrEqual(mostInOneCall + 2);
      expect(handed.size).toBeLessThan(copies.length);
    }
  });
});
