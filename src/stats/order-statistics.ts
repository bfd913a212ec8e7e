/**
 * Order statistics without sorting, read in place: the caller's values are neither copied nor
 * reordered (a copy of 10M amounts is 80 MB, most of gold's memory at its peak), in linear time
 * where a sort of 10M amounts is O(n log n). Silver's q99, gold's median and the refresh
 * probe's figures all come from here.
 */

/**
 * SPEC's q-quantile with linear interpolation between closest ranks. NaN for no values:
 * nothing compares greater, so an empty dataset has no outliers.
 */
export function quantileLinear(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const p = q * (n - 1);
  const lo = Math.floor(p);
  const low = nthSmallest(values, lo);
  if (p === lo) return low.value;
  const high = low.rankInKey + 1 < low.keyCount ? low.value : nthSmallest(values, lo + 1).value;
  return low.value + (p - lo) * (high - low.value);
}

/** Median of values (mean of the two middle ones for an even count), as gold's KPI spells it. */
export function median(values: Float64Array): number | null {
  const n = values.length;
  if (n === 0) return null;
  const upper = nthSmallest(values, n >> 1);
  if (n % 2 === 1) return upper.value;
  // The lower middle is the same amount when it shares the upper one's key (usual with repeats).
  const lower = upper.rankInKey > 0 ? upper.value : nthSmallest(values, (n >> 1) - 1).value;
  return (lower + upper.value) / 2;
}

const DIGIT_VALUES = 1 << 16;

/**
 * The k-th smallest value (k from 0) by radix selection: each double's 64 bits, turned into a
 * key that sorts as an unsigned integer, are decided 16 at a time; a pass counts the values
 * whose key starts with the bits decided so far, by their next 16 bits, and keeps the bucket
 * where rank k falls. Four linear passes, and memory for one count per digit value. Also says
 * how many values share its key (its value, bit for bit) and how many of those rank below it.
 */
function nthSmallest(values: Float64Array, k: number): { value: number; rankInKey: number; keyCount: number } {
  // Little-endian: each double is its low word, then its high word (sign, exponent, top of the fraction).
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  const counts = new Uint32Array(DIGIT_VALUES);
  let keyHigh = 0;
  let keyLow = 0;
  let keyCount = 0;
  for (let level = 0; level < 4; level++) {
    counts.fill(0);
    for (let i = 0; i < values.length; i++) {
      const high = words[2 * i + 1]!;
      // Positive doubles sort as their bits with the sign bit set; negative ones as their bits flipped.
      const negative = high >>> 31 === 1;
      const kh = negative ? ~high >>> 0 : (high | 0x80000000) >>> 0;
      if (level === 0) {
        counts[kh >>> 16]!++;
        continue;
      }
      if (level === 1) {
        if (kh >>> 16 === keyHigh >>> 16) counts[kh & 0xffff]!++;
        continue;
      }
      if (kh !== keyHigh) continue;
      const low = words[2 * i]!;
      const kl = negative ? ~low >>> 0 : low;
      if (level === 2) counts[kl >>> 16]!++;
      else if (kl >>> 16 === keyLow >>> 16) counts[kl & 0xffff]!++;
    }
    let digit = 0;
    while (k >= counts[digit]!) k -= counts[digit++]!;
    keyCount = counts[digit]!;
    if (level === 0) keyHigh = digit << 16;
    else if (level === 1) keyHigh = (keyHigh | digit) >>> 0;
    else if (level === 2) keyLow = digit << 16;
    else keyLow = (keyLow | digit) >>> 0;
  }
  const positive = keyHigh >>> 31 === 1;
  const bits = Uint32Array.of(positive ? keyLow : ~keyLow >>> 0, positive ? keyHigh & 0x7fffffff : ~keyHigh >>> 0);
  return { value: new Float64Array(bits.buffer)[0]!, rankInKey: k, keyCount };
}

/** Sample standard deviation (n − 1), two passes around the given mean; null when n < 2. */
export function sampleStd(values: Float64Array, mean: number): number | null {
  const n = values.length;
  if (n < 2) return null;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  return Math.sqrt(squares / (n - 1));
}
