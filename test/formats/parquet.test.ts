import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata } from "hyparquet";
import { InputError, StoreError } from "../../src/core/errors.ts";
import { ParquetStreamWriter, rangeAsyncBuffer, readParquetColumns, readParquetIndexed, readParquetRows } from "../../src/formats/parquet.ts";
import { objectAsyncBuffer } from "../../src/pipeline/stored-parquet.ts";
import { cellAt, isIndexed, type Column } from "../../src/columnar/columns.ts";
import type { Cell, ColumnDef, Row } from "../../src/contract/columns.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import type { Bucket } from "../../src/storage/object-store.ts";

const COLUMNS: ColumnDef[] = [
  { name: "id", type: "int" },
  { name: "amount", type: "double" },
  { name: "label", type: "string" },
  { name: "day", type: "date" },
];

function fileOf(columns: readonly ColumnDef[], batches: Cell[][][]): Uint8Array {
  const writer = new ParquetStreamWriter(columns);
  const chunks = batches.flatMap((values) => writer.writeBatch(values, values[0]!.length));
  chunks.push(...writer.finish());
  return Buffer.concat(chunks);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const MAX = Number.MAX_SAFE_INTEGER;

describe("round trips", () => {
  test("every column type, with nulls, extreme ids and dates, empty and non-BMP strings", async () => {
    const values: Cell[][] = [
      [1, null, MAX, MAX - 1, 0, -7],
      [1.5, 12.34, null, 1e-300, -2.5e300, 0.1 + 0.2],
      ["a", "", null, "Émile", "\u{1F600}", 'say "hi", then\nleave'],
      ["2024-02-29", "0001-01-01", "9999-12-31", null, "1970-01-01", "1969-12-31"],
    ];
    const rows = (await collect(readParquetRows(fileOf(COLUMNS, [values]), COLUMNS))).flat();
    expect(rows).toEqual(
      values[0]!.map((_, r) => ({ id: values[0]![r]!, amount: values[1]![r]!, label: values[2]![r]!, day: values[3]![r]! }) as Row),
    );
    expect(rows[3]!.id).toBe(MAX - 1); // not rounded through a double on the way
  });

  test("columns declared not nullable are REQUIRED and read back the same", async () => {
    const required: ColumnDef[] = COLUMNS.map((c) => ({ ...c, nullable: false }));
    const values: Cell[][] = [
      [1, MAX, -MAX, 0, 2 ** 32, -(2 ** 32) - 1],
      [1.5, -0.25, 1e-300, 0, 7, 0.1 + 0.2],
      ["a", "", "Émile", "\u{1F600}", "x", "y"],
      ["2024-02-29", "0001-01-01", "9999-12-31", "1970-01-01", "1969-12-31", "2000-03-01"],
    ];
    const file = fileOf(required, [values]);
    const { schema } = parquetMetadata(file.buffer as ArrayBuffer);
    expect(schema.slice(1).map((e) => e.repetition_type)).toEqual(["REQUIRED", "REQUIRED", "REQUIRED", "REQUIRED"]);
    const [batch] = await collect(readParquetColumns(file, required));
    expect(batch!.values.map((v) => Array.from(v))).toEqual(values);
    expect(() => fileOf(required, [[[null], [1], ["a"], ["2024-01-01"]]])).toThrow();
  });

  test("a column that is null throughout", async () => {
    const values: Cell[][] = [[null, null], [null, null], [null, null], [null, null]];
    const [batch] = await collect(readParquetColumns(fileOf(COLUMNS, [values]), COLUMNS));
    expect(batch!.values.map((v) => Array.from(v))).toEqual(values);
  });

  test("the file says INT64, DOUBLE, UTF8 and DATE, all optional", () => {
    const { schema } = parquetMetadata(fileOf(COLUMNS, [[[1], [1], ["a"], ["2024-01-01"]]]).buffer as ArrayBuffer);
    expect(schema.slice(1).map((e) => [e.name, e.type, e.converted_type ?? null, e.repetition_type])).toEqual([
      ["id", "INT64", null, "OPTIONAL"],
      ["amount", "DOUBLE", null, "OPTIONAL"],
      ["label", "BYTE_ARRAY", "UTF8", "OPTIONAL"],
      ["day", "INT32", "DATE", "OPTIONAL"],
    ]);
  });

  test("every batch is a row group; rows come back in order in batches of at most batchSize", async () => {
    const batch = (from: number, n: number): Cell[][] => [
      Array.from({ length: n }, (_, i) => from + i),
      Array.from({ length: n }, (_, i) => (from + i) / 4),
      Array.from({ length: n }, (_, i) => `row ${from + i}`),
      Array.from({ length: n }, () => "2024-06-01"),
    ];
    const file = fileOf(COLUMNS, [batch(0, 3), batch(3, 4), batch(7, 2)]);
    expect(parquetMetadata(file.buffer as ArrayBuffer).row_groups.map((g) => Number(g.num_rows))).toEqual([3, 4, 2]);

    const groups = await collect(readParquetColumns(file, COLUMNS));
    expect(groups.map((g) => g.rowCount)).toEqual([3, 4, 2]);

    const batches = await collect(readParquetRows(file, COLUMNS, 2));
    expect(batches.every((b) => b.length <= 2)).toBe(true);
    expect(batches.flat().map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(batches.flat()[5]).toEqual({ id: 5, amount: 1.25, label: "row 5", day: "2024-06-01" });
  });

  test("a file with no rows reads as nothing", async () => {
    const file = fileOf(COLUMNS, []);
    expect(await collect(readParquetRows(file, COLUMNS))).toEqual([]);
    expect(Number(parquetMetadata(file.buffer as ArrayBuffer).num_rows)).toBe(0);
  });

  test("a subset of the columns, in the caller's order", async () => {
    const file = fileOf(COLUMNS, [[[1, 2], [0.5, 0.25], ["x", "y"], ["2024-01-01", null]]]);
    const rows = (await collect(readParquetRows(file, [COLUMNS[3]!, COLUMNS[0]!]))).flat();
    expect(rows).toEqual([
      { day: "2024-01-01", id: 1 },
      { day: null, id: 2 },
    ]);
  });
});

describe("bad files", () => {
  const file = fileOf(COLUMNS, [[[1], [1], ["a"], ["2024-01-01"]]]);

  test("a missing column is an InputError naming it", async () => {
    const read = collect(readParquetRows(file, [...COLUMNS, { name: "extra", type: "int" }]));
    await expect(read).rejects.toThrow(InputError);
    await expect(read).rejects.toThrow('parquet file: no column "extra"');
  });

  test("a column of another type is an InputError naming both types", async () => {
    const read = collect(readParquetRows(file, [{ name: "label", type: "int" }]));
    await expect(read).rejects.toThrow('column "label" is UTF8, expected INT64');
    const dates = collect(readParquetRows(file, [{ name: "id", type: "date" }]));
    await expect(dates).rejects.toThrow('column "id" is INT64, expected DATE');
  });

  test("bytes that are not Parquet are an InputError", async () => {
    const read = collect(readParquetRows(new TextEncoder().encode("id,amount\n1,2\n"), COLUMNS));
    await expect(read).rejects.toThrow(InputError);
    await expect(read).rejects.toThrow("parquet file: unreadable parquet");
  });
});

/** A folder store that records every read of its range readers, so a test can see what was fetched. */
class RecordingStore extends FolderStore {
  readonly reads: { offset: number; length: number }[] = [];
  /** The buffers read into, in order: a reader that reuses its buffers reads into the same ones. */
  readonly targets: ArrayBufferLike[] = [];
  override async openReader(bucket: Bucket, key: string) {
    const reader = await super.openReader(bucket, key);
    return {
      size: reader.size,
      read: (offset: number, target: Uint8Array) => {
        this.reads.push({ offset, length: target.length });
        this.targets.push(target.buffer);
        return reader.read(offset, target);
      },
    };
  }
}

const roots: string[] = [];
afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

async function recordingStore(): Promise<RecordingStore> {
  const root = await mkdtemp(join(tmpdir(), "elt-parquet-"));
  roots.push(root);
  const store = new RecordingStore(root);
  await store.ensureBuckets();
  return store;
}

describe("objectAsyncBuffer", () => {
  test("reads a stored file through ranged gets, without fetching it whole", async () => {
    // Two columns of 300k incompressible doubles: about 5 MB, above hyparquet's 512 KB prefetch.
    const n = 300_000;
    let seed = 11;
    const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const columns: ColumnDef[] = [
      { name: "a", type: "double" },
      { name: "b", type: "double" },
    ];
    const values = [Array.from({ length: n }, next), Array.from({ length: n }, next)];
    const file = fileOf(columns, [values.map((v) => v.slice(0, n / 2)), values.map((v) => v.slice(n / 2))]);
    const store = await recordingStore();
    await store.put("gold", "t.parquet", file);

    const buffer = await objectAsyncBuffer(store, "gold", "t.parquet");
    expect(buffer.byteLength).toBe(file.byteLength);
    const groups = await collect(readParquetColumns(buffer, [columns[1]!]));
    expect(groups.flatMap((g) => Array.from(g.values[0]!))).toEqual(values[1]!);

    const fetched = store.reads.reduce((sum, r) => sum + r.length, 0);
    expect(fetched).toBeLessThan(file.byteLength * 0.75); // column "a" was never read
    expect(store.reads.every((r) => r.length < file.byteLength)).toBe(true);
  });

  test("a small file is fetched once, whole, and only when first read", async () => {
    const store = await recordingStore();
    const file = fileOf(COLUMNS, [[[1, 2], [0.5, 0.25], ["x", "y"], ["2024-01-01", null]]]);
    await store.put("gold", "small.parquet", file);
    const buffer = await objectAsyncBuffer(store, "gold", "small.parquet");
    expect(store.reads).toEqual([]);
    const rows = (await collect(readParquetRows(buffer, COLUMNS))).flat();
    expect(rows.map((r) => r.label)).toEqual(["x", "y"]);
    expect(store.reads).toEqual([{ offset: 0, length: file.byteLength }]);
  });

  test("a large file is read into buffers reused from group to group", async () => {
    const columns: ColumnDef[] = [
      { name: "a", type: "double" },
      { name: "b", type: "string" },
      { name: "c", type: "string" },
    ];
    // Five row groups of 100k rows, so that each of the reader's two buffers is used again.
    const groups = Array.from({ length: 5 }, (_, g) => {
      const rows = Array.from({ length: 100_000 }, (_, i) => g * 100_000 + i);
      return [rows.map((r) => r / 7), rows.map((r) => `value ${r % 1000}`), rows.map((r) => `é${r}`)];
    });
    const store = await recordingStore();
    await store.put("gold", "t.parquet", fileOf(columns, groups));
    const read = await collect(readParquetColumns(await objectAsyncBuffer(store, "gold", "t.parquet"), columns));
    expect(read.map((g) => g.values.map((v) => Array.from(v)))).toEqual(groups);
    // The footer, then one read per group into two buffers used in turn (the first group is
    // smaller: its buffer grows for the third).
    expect(store.reads).toHaveLength(6);
    const [, , ...later] = store.targets;
    expect(new Set(later).size).toBe(2);
    expect(later[2]).toBe(later[0]!);
    expect(later[3]).toBe(later[1]!);
    // Removed between opening and reading: said as the store says it, whichever way it is read.
    const opened = await objectAsyncBuffer(store, "gold", "t.parquet");
    await store.delete("gold", "t.parquet");
    await expect(opened.slice(0, 100)).rejects.toMatchObject({ kind: "not_found" });
    await expect(opened.readInto(0, new Uint8Array(100))).rejects.toMatchObject({ kind: "not_found" });
  });

  test("an object cut short after it was opened is said to have changed", async () => {
    const store = await recordingStore();
    const file = fileOf(COLUMNS, [[Array.from({ length: 200_000 }, (_, i) => i), Array(200_000).fill(0.5), Array(200_000).fill("x"), Array(200_000).fill(null)]]);
    await store.put("gold", "t.parquet", file);
    const opened = await objectAsyncBuffer(store, "gold", "t.parquet");
    expect(opened.byteLength).toBeGreaterThan(1 << 20);
    await store.put("gold", "t.parquet", file.subarray(0, 1000));
    await expect(opened.slice(500, 1500)).rejects.toThrow(new StoreError("failed", "gold/t.parquet was written again while it was being read: read it again"));
    // A range source that is no store, reading short of a file's end: the same words.
    const short = rangeAsyncBuffer({ size: 100, read: async () => 10 }, "elsewhere/t.parquet");
    await expect(short.slice(0, 50)).rejects.toThrow(new StoreError("failed", "elsewhere/t.parquet was written again while it was being read: read it again"));
  });

  test("a missing object is a not_found StoreError; errors name the object", async () => {
    const store = await recordingStore();
    await expect(objectAsyncBuffer(store, "gold", "nope.parquet")).rejects.toThrow(StoreError);
    await store.put("gold", "bad.parquet", new TextEncoder().encode("not parquet at all"));
    const read = collect(readParquetRows(await objectAsyncBuffer(store, "gold", "bad.parquet"), COLUMNS));
    await expect(read).rejects.toThrow("gold/bad.parquet: unreadable parquet");
  });
});

describe("reading indexed (gold's read of silver)", () => {
  const columns: ColumnDef[] = [
    { name: "id", type: "int", nullable: false },
    { name: "amount", type: "double", nullable: false },
    { name: "label", type: "string" },
    { name: "day", type: "date" },
  ];
  // Ids through an index and repeated labels make dictionaries; "é" and an emoji are
  // multi-byte; nulls at either end.
  const group = (n: number, from: number): Column[] => [
    { values: Float64Array.of(7, 2 ** 40, MAX), index: Int32Array.from({ length: n }, (_, i) => (from + i) % 3) },
    Array.from({ length: n }, (_, i) => (from + i) / 8),
    Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? null : ["é", "b", "\u{1F600}"][(from + i) % 3]!)),
    Array.from({ length: n }, (_, i) => (i === 1 ? null : `2024-02-${String(((from + i) % 28) + 1).padStart(2, "0")}`)),
  ];

  test("gives the cells readParquetColumns gives, as bytes, day numbers and numbers, group by group", async () => {
    const writer = new ParquetStreamWriter(columns);
    const groups = [group(50, 0), group(9, 50), group(200, 59)];
    const file = Buffer.concat([...groups.flatMap((g) => writer.writeBatch(g, (g[1] as Cell[]).length)), ...writer.finish()]);
    const encodings = parquetMetadata(file.buffer as ArrayBuffer).row_groups[0]!.columns.map((c) => c.meta_data!.encodings);
    expect(encodings[0]).toContain("RLE_DICTIONARY");
    expect(encodings[2]).toContain("RLE_DICTIONARY");
    const plain = await collect(readParquetColumns(file, columns));
    let read = 0;
    for await (const { rowCount, values } of readParquetIndexed(file, columns)) {
      const expected = plain[read++]!;
      expect(rowCount).toBe(expected.rowCount);
      columns.forEach((column, c) => {
        const got = Array.from({ length: rowCount }, (_, r) => cellAt(values[c]!, column.type, r));
        expect(got).toEqual(Array.from(expected.values[c]!));
      });
      expect(values[0]).toBeInstanceOf(Float64Array);
      expect(isIndexed(values[2]!) && isIndexed(values[3]!)).toBe(true);
    }
    expect(read).toBe(3);
  });
});
