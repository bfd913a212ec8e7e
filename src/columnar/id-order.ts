/**
 * The order of rows by id, for tables SPEC sorts by id. Ids are integers in [0, 2^53), so an
 * LSD radix sort over 16-bit digits puts 10M rows in order in a few linear passes, where a
 * comparator sort of an index array would call back into JavaScript n·log n times. Passes
 * whose digit is the same for every row (the high digits, for the usual small ids) are skipped.
 */

import { sharedArray } from "./columns.ts";

const DIGIT_BITS = 16;
const BUCKETS = 1 << DIGIT_BITS;
const DIGITS = 4; // 64 bits cover 53
const LOW_WORD = 2 ** 32;

/**
 * Row indices in ascending id order (stable); null when the ids are already ascending. In
 * shared memory, as the CSV worker follows the same order.
 */
export function idOrder(ids: ArrayLike<number>, count: number): Uint32Array | null {
  if (isAscending(ids, count)) return null;
  let order = sharedArray(Uint32Array, count);
  for (let i = 0; i < count; i++) order[i] = i;
  let spare = sharedArray(Uint32Array, count);
  const histogram = new Uint32Array(BUCKETS);
  for (let pass = 0; pass < DIGITS; pass++) {
    histogram.fill(0);
    for (let i = 0; i < count; i++) histogram[digit(ids[i]!, pass)]!++;
    if (histogram.includes(count)) continue;
    let start = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const size = histogram[b]!;
      histogram[b] = start;
      start += size;
    }
    for (let i = 0; i < count; i++) {
      const row = order[i]!;
      spare[histogram[digit(ids[row]!, pass)]!++] = row;
    }
    [order, spare] = [spare, order];
  }
  return order;
}

function isAscending(ids: ArrayLike<number>, count: number): boolean {
  for (let i = 1; i < count; i++) if (ids[i]! < ids[i - 1]!) return false;
  return true;
}

function digit(id: number, pass: number): number {
  const word = pass < 2 ? id % LOW_WORD : Math.floor(id / LOW_WORD);
  return pass % 2 === 0 ? word & 0xffff : word >>> 16;
}
