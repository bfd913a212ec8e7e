/**
 * Parquet's RLE / bit-packed hybrid, as dictionary-encoded pages hold their indices: read
 * straight from the page's bytes into the caller's array, each index checked against the
 * dictionary and offset as the caller asks. hyparquet's reader takes every bit through a
 * DataView and a branch, and a copy and a check loop followed it: at 1M purchases that was a
 * tenth of the export's main thread and of gold's reading of silver.
 */

/** Widths past this take the general path: the 32-bit accumulator must hold a value and a byte. */
const FAST_WIDTH = 24;

/**
 * Reads `count` indices of `width` bits from `page[from..end)` into `out[at..]`, each one
 * plus `add`. Throws when the bytes end first or an index is `size` or more.
 */
export function readIndices(
  page: Uint8Array,
  from: number,
  end: number,
  width: number,
  count: number,
  size: number,
  out: Int32Array,
  at: number,
  add: number,
): void {
  if (width === 0) {
    if (count > 0 && size < 1) throw outOfRange(0);
    out.fill(add, at, at + count);
    return;
  }
  if (width > 32) throw new Error(`dictionary indices of ${width} bits`);
  const valueBytes = (width + 7) >> 3;
  let p = from;
  let seen = 0;
  while (seen < count) {
    // The run's header: a ULEB128 varint of 32 bits at most, so of 5 bytes at most.
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      if (p >= end) throw short(count);
      if (shift > 28) throw new Error("a run header longer than 5 bytes");
      const byte = page[p++]!;
      header += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    if (header % 2 === 0) {
      const run = Math.min(Math.floor(header / 2), count - seen);
      if (p + valueBytes > end) throw short(count);
      let value = 0;
      for (let b = 0; b < valueBytes; b++) value += page[p++]! * 2 ** (8 * b);
      if (value >= size) throw outOfRange(value);
      out.fill(add + value, at + seen, at + seen + run);
      seen += run;
      continue;
    }
    const values = Math.floor(header / 2) * 8;
    const take = Math.min(values, count - seen);
    // The run's bytes hold all its values, the padding of its last group included.
    const runEnd = p + (values / 8) * width;
    if (p + Math.ceil((take * width) / 8) > end) throw short(count);
    if (width <= FAST_WIDTH) unpack(page, p, width, take, size, out, at + seen, add);
    else unpackWide(page, p, width, take, size, out, at + seen, add);
    seen += take;
    p = runEnd;
  }
}

/** `take` values of at most 24 bits from `p`, least significant bit first. */
function unpack(page: Uint8Array, p: number, width: number, take: number, size: number, out: Int32Array, at: number, add: number): void {
  const mask = (1 << width) - 1;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < take; i++) {
    while (bits < width) {
      acc |= page[p++]! << bits;
      bits += 8;
    }
    const value = acc & mask;
    if (value >= size) throw outOfRange(value);
    out[at + i] = add + value;
    acc >>>= width;
    bits -= width;
  }
}

/** The same for 25 to 32 bits, where a value and the next byte overflow 32 bits: bit by bit. */
function unpackWide(page: Uint8Array, p: number, width: number, take: number, size: number, out: Int32Array, at: number, add: number): void {
  let bit = p * 8;
  for (let i = 0; i < take; i++) {
    let value = 0;
    for (let b = 0; b < width; b++, bit++) value += ((page[bit >>> 3]! >>> (bit & 7)) & 1) * 2 ** b;
    if (value >= size) throw outOfRange(value);
    out[at + i] = add + value;
  }
}

const outOfRange = (index: number) => new Error(`dictionary index ${index} out of range`);
const short = (count: number) => new Error(`page holds fewer than ${count} dictionary indices`);
