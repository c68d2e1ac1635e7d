/**
 * A latency histogram with log-linear buckets in the style of HdrHistogram: values below 128 are
 * counted exactly; above, every power of two [2^e, 2^(e+1)) is split into 64 equal buckets. A
 * bucket is then at most 1/64 of its lower bound wide, and reporting its midpoint is within
 * 1/128 (0.78 %) of any value in it. Power-of-two buckets, by contrast, put 40 µs and 60 µs in
 * the same bucket.
 *
 * Buckets live in chunks of 64 counters (one per power of two), allocated the first time a value
 * falls in them: a row whose latencies span a few decades costs a few KiB, not the full range.
 * Values up to 2^50 ns (13 days) get their own bucket; larger ones share the last.
 */

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64 buckets per power of two
const EXACT = SUB * 2; // values below 128 are their own bucket
const MAX_EXP = 50;
/** Index of the last bucket; values beyond 2^(MAX_EXP+1) are clamped into it. */
export const LAST_BUCKET = (MAX_EXP - SUB_BITS) * SUB + (2 * SUB - 1);
const CHUNKS = (LAST_BUCKET >> SUB_BITS) + 1;
const TWO32 = 4294967296;
const LIMIT = 2 ** (MAX_EXP + 1);

/** The bucket index of a non-negative value. */
export function bucketOf(v: number): number {
  if (!(v >= EXACT)) return v > 0 ? Math.floor(v) : 0; // also NaN → 0
  if (v >= LIMIT) return LAST_BUCKET;
  let e: number;
  if (v < TWO32) {
    e = 31 - Math.clz32(v);
    const shift = e - SUB_BITS;
    return shift * SUB + (v >>> shift);
  }
  e = 63 - Math.clz32(v / TWO32);
  const shift = e - SUB_BITS;
  return shift * SUB + Math.floor(v / 2 ** shift);
}

/** The lowest value that falls in a bucket. */
export function bucketLow(b: number): number {
  if (b < EXACT) return b;
  const shift = (b >> SUB_BITS) - 1;
  return ((b & (SUB - 1)) + SUB) * 2 ** shift;
}

/** The representative value of a bucket: exact below 128, else the bucket's midpoint. */
export function bucketValue(b: number): number {
  if (b < EXACT) return b;
  const shift = (b >> SUB_BITS) - 1;
  return ((b & (SUB - 1)) + SUB) * 2 ** shift + 2 ** shift / 2;
}

export class LatencyHistogram {
  private chunks: (Float64Array | null)[] = new Array<Float64Array | null>(CHUNKS).fill(null);
  /** Number of recorded values. */
  count = 0;
  /** Smallest and largest recorded value (exact); 0 when empty. */
  min = 0;
  max = 0;
  sum = 0;

  record(v: number): void {
    const b = bucketOf(v);
    const c = b >> SUB_BITS;
    let chunk = this.chunks[c];
    if (chunk === null) chunk = this.chunks[c] = new Float64Array(SUB);
    chunk[b & (SUB - 1)]++;
    if (this.count === 0) {
      this.min = v;
      this.max = v;
    } else if (v > this.max) this.max = v;
    else if (v < this.min) this.min = v;
    this.count++;
    this.sum += v;
  }

  /**
   * Adds `n` values known only by their bucket (a histogram kept elsewhere, e.g. in the kernel,
   * with the same buckets). Their sum and extremes are taken at the bucket's value.
   */
  recordBucket(b: number, n: number): void {
    if (!(n > 0) || b < 0 || b > LAST_BUCKET) return;
    const c = b >> SUB_BITS;
    let chunk = this.chunks[c];
    if (chunk === null) chunk = this.chunks[c] = new Float64Array(SUB);
    chunk[b & (SUB - 1)] += n;
    const v = bucketValue(b);
    if (this.count === 0) {
      this.min = v;
      this.max = v;
    } else if (v > this.max) this.max = v;
    else if (v < this.min) this.min = v;
    this.count += n;
    this.sum += v * n;
  }

  /** Empties the histogram, keeping its allocated chunks for reuse. */
  clear(): void {
    if (this.count === 0) return;
    for (const chunk of this.chunks) if (chunk !== null) chunk.fill(0);
    this.count = 0;
    this.min = 0;
    this.max = 0;
    this.sum = 0;
  }

  /** Bytes held by the bucket arrays allocated so far. */
  get bytes(): number {
    let n = 0;
    for (const c of this.chunks) if (c !== null) n += c.byteLength;
    return n;
  }

  /** An independent copy. */
  clone(): LatencyHistogram {
    const h = new LatencyHistogram();
    h.chunks = this.chunks.map((c) => (c === null ? null : c.slice()));
    h.count = this.count;
    h.min = this.min;
    h.max = this.max;
    h.sum = this.sum;
    return h;
  }

  /** Adds every value recorded in another histogram. */
  merge(other: LatencyHistogram): void {
    if (other.count === 0) return;
    for (let c = 0; c < CHUNKS; c++) {
      const src = other.chunks[c];
      if (src === null) continue;
      let dst = this.chunks[c];
      if (dst === null) dst = this.chunks[c] = new Float64Array(SUB);
      for (let i = 0; i < SUB; i++) dst[i] += src[i];
    }
    if (this.count === 0) {
      this.min = other.min;
      this.max = other.max;
    } else {
      if (other.min < this.min) this.min = other.min;
      if (other.max > this.max) this.max = other.max;
    }
    this.count += other.count;
    this.sum += other.sum;
  }

  /**
   * Calls `fn` for each non-empty bucket, lowest first, with the bucket's value (clamped to the
   * recorded min and max, as percentiles are) and its count.
   */
  forEachBucket(fn: (value: number, count: number) => void): void {
    if (this.count === 0) return;
    for (let c = 0; c < CHUNKS; c++) {
      const chunk = this.chunks[c];
      if (chunk === null) continue;
      for (let i = 0; i < SUB; i++) {
        const cnt = chunk[i];
        if (cnt === 0) continue;
        const v = bucketValue((c << SUB_BITS) | i);
        fn(v < this.min ? this.min : v > this.max ? this.max : v, cnt);
      }
    }
  }

  /** Mean of the recorded values (exact), 0 when empty. */
  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /**
   * Nearest-rank percentile (the ceil(p/100 * count)-th smallest value), as its bucket's value
   * clamped to [min, max]; 0 when empty.
   */
  percentile(p: number): number {
    const out = [0];
    this.percentiles([p], out);
    return out[0];
  }

  /**
   * Several percentiles in one pass over the buckets. `ps` must be ascending; results are written
   * to `out` in the same order.
   */
  percentiles(ps: readonly number[], out: number[]): void {
    const n = this.count;
    if (n === 0) {
      for (let k = 0; k < ps.length; k++) out[k] = 0;
      return;
    }
    let k = 0;
    let rank = rankOf(ps[0], n);
    let seen = 0;
    for (let c = 0; c < CHUNKS && k < ps.length; c++) {
      const chunk = this.chunks[c];
      if (chunk === null) continue;
      for (let i = 0; i < SUB && k < ps.length; i++) {
        const cnt = chunk[i];
        if (cnt === 0) continue;
        seen += cnt;
        while (k < ps.length && seen >= rank) {
          const v = bucketValue((c << SUB_BITS) | i);
          out[k] = v < this.min ? this.min : v > this.max ? this.max : v;
          k++;
          if (k < ps.length) rank = rankOf(ps[k], n);
        }
      }
    }
    for (; k < ps.length; k++) out[k] = this.max;
  }
}

function rankOf(p: number, n: number): number {
  const r = Math.ceil((p / 100) * n);
  return r < 1 ? 1 : r > n ? n : r;
}
