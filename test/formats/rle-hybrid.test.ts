import { describe, expect, test } from "bun:test";
import { readRleBitPackedHybrid } from "hyparquet/src/encoding.js";
import { readIndices } from "../../src/formats/rle-hybrid.ts";

/** ULEB128, as a run's header is written. */
function varint(value: number): number[] {
  const out: number[] = [];
  for (; value >= 0x80; value = Math.floor(value / 0x80)) out.push((value % 0x80) | 0x80);
  out.push(value);
  return out;
}

/** A bit-packed run of `values` (padded to groups of 8), least significant bit first. */
function packed(values: readonly number[], width: number): number[] {
  const groups = Math.ceil(values.length / 8);
  const bytes = new Array<number>(groups * width).fill(0);
  values.forEach((value, i) => {
    for (let b = 0; b < width; b++) {
      const bit = i * width + b;
      if (Math.floor(value / 2 ** b) % 2) bytes[bit >> 3]! |= 1 << (bit & 7);
    }
  });
  return [...varint(groups * 2 + 1), ...bytes];
}

/** An RLE run of `count` times `value`, in whole bytes of the width. */
function repeated(value: number, count: number, width: number): number[] {
  const bytes = [...varint(count * 2)];
  for (let b = 0; b < (width + 7) >> 3; b++) bytes.push(Math.floor(value / 2 ** (8 * b)) % 256);
  return bytes;
}

/** Mixed runs of random values below 2^width: the bytes and the values they hold. */
function sample(width: number, seed: number): { bytes: Uint8Array; values: number[] } {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const bytes: number[] = [];
  const values: number[] = [];
  for (let run = 0; run < 12; run++) {
    const n = 1 + Math.floor(random() * 40);
    if (random() < 0.3) {
      const value = Math.floor(random() * 2 ** width);
      bytes.push(...repeated(value, n, width));
      values.push(...new Array<number>(n).fill(value));
    } else {
      // Whole groups but for the last run, whose padding must be read past, not taken.
      const run8 = run === 11 ? n : Math.ceil(n / 8) * 8;
      const vs = Array.from({ length: run8 }, () => Math.floor(random() * 2 ** width));
      bytes.push(...packed(vs, width));
      values.push(...vs);
    }
  }
  return { bytes: Uint8Array.from(bytes), values };
}

describe("readIndices", () => {
  for (const width of [1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 20, 24, 25, 31, 32]) {
    test(`reads ${width}-bit runs`, () => {
      const { bytes, values } = sample(width, width * 7919);
      if (width <= 24) {
        // The encoder checked against hyparquet, whose 32-bit reader loses bits past 24.
        const expected = new Uint32Array(values.length);
        readRleBitPackedHybrid({ view: new DataView(bytes.buffer), offset: 0 }, width, expected, bytes.length);
        expect([...expected]).toEqual(values);
      }

      // Into the middle of an array, offset by 5, from the middle of a page.
      const page = new Uint8Array(bytes.length + 3);
      page.set(bytes, 3);
      const out = new Int32Array(values.length + 4).fill(-9);
      const size = 2 ** width;
      if (width < 31) {
        readIndices(page, 3, page.length, width, values.length, size, out, 2, 5);
        expect([...out.subarray(2, 2 + values.length)]).toEqual(values.map((v) => v + 5));
        expect([out[0], out[1], out.at(-2), out.at(-1)]).toEqual([-9, -9, -9, -9]);
      } else {
        // Indices past 2^31 cannot be an Int32Array's; the values' order is what is checked.
        readIndices(page, 3, page.length, width, values.length, size, out, 2, 0);
        expect([...out.subarray(2, 2 + values.length)].map((v) => v >>> 0)).toEqual(values);
      }
    });
  }

  test("takes fewer values than the runs hold", () => {
    const bytes = Uint8Array.from([...packed([1, 2, 3, 4, 5, 6, 7, 0], 3), ...repeated(6, 10, 3)]);
    const out = new Int32Array(11);
    readIndices(bytes, 0, bytes.length, 3, 11, 8, out, 0, 0);
    expect([...out]).toEqual([1, 2, 3, 4, 5, 6, 7, 0, 6, 6, 6]);
  });

  test("a width of 0 is every index 0", () => {
    const out = new Int32Array(4);
    readIndices(new Uint8Array(0), 0, 0, 0, 4, 1, out, 0, 7);
    expect([...out]).toEqual([7, 7, 7, 7]);
  });

  test("an index past the dictionary is refused, packed or repeated", () => {
    const pack = Uint8Array.from(packed([0, 1, 2, 3, 4, 5, 6, 7], 3));
    expect(() => readIndices(pack, 0, pack.length, 3, 8, 7, new Int32Array(8), 0, 0)).toThrow("dictionary index 7 out of range");
    const rle = Uint8Array.from(repeated(9, 3, 4));
    expect(() => readIndices(rle, 0, rle.length, 4, 3, 9, new Int32Array(3), 0, 0)).toThrow("dictionary index 9 out of range");
  });

  test("a page that ends before its indices is refused", () => {
    const pack = Uint8Array.from(packed([1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0], 3));
    expect(() => readIndices(pack, 0, pack.length - 1, 3, 16, 8, new Int32Array(16), 0, 0)).toThrow("page holds fewer than 16 dictionary indices");
    const rle = Uint8Array.from(repeated(1, 3, 4));
    expect(() => readIndices(rle, 0, rle.length, 4, 4, 8, new Int32Array(4), 0, 0)).toThrow("page holds fewer than 4 dictionary indices");
  });

  test("a run header longer than any 32-bit count is refused, not read as no run", () => {
    // 150 continuation bytes: read on, the header's value overflows to NaN and the loop ended with nothing written.
    const page = Uint8Array.from([...Array(150).fill(0x80), 0x00]);
    const out = new Int32Array(10).fill(-7);
    expect(() => readIndices(page, 0, page.length, 3, 10, 8, out, 0, 0)).toThrow("a run header longer than 5 bytes");
    // Five bytes are a header still: a run of 2^30 values, of which the 4 asked.
    const longest = Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x08, 0x05]);
    const four = new Int32Array(4);
    readIndices(longest, 0, longest.length, 3, 4, 8, four, 0, 0);
    expect([...four]).toEqual([5, 5, 5, 5]);
  });
});
