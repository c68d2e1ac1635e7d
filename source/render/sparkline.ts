/**
 * Sparklines in block characters. Pure: a history of numbers in, a string of exactly `width`
 * cells out. The newest value is at the right; a history shorter than the width is padded on the
 * left with blanks, so every row's "now" lines up.
 */

export const SPARK_LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * Shrink a history to at most `width` points, keeping spikes: each output point is the maximum of
 * the input points that fall into its bucket (never an average, which would hide a one-second
 * latency spike inside a wide bucket). The newest sample always stays in the last bucket.
 */
export function downsampleMax(values: ArrayLike<number>, width: number): number[] {
  const n = values.length;
  if (width <= 0) return [];
  if (n <= width) return Array.from(values);
  const out = new Array<number>(width);
  for (let b = 0; b < width; b++) {
    const from = Math.floor((b * n) / width);
    const to = Math.floor(((b + 1) * n) / width); // exclusive; buckets tile [0, n)
    let m = Number.NEGATIVE_INFINITY;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v > m) m = v; // NaN never wins
    }
    out[b] = m === Number.NEGATIVE_INFINITY ? Number.NaN : m;
  }
  return out;
}

/** The character for one value: blank for zero, missing or negative; ▁ for the smallest positive. */
export function sparkChar(value: number, scaleMax: number): string {
  if (!(value > 0) || !(scaleMax > 0)) return ' ';
  const level = Math.ceil((value / scaleMax) * SPARK_LEVELS.length);
  return SPARK_LEVELS[Math.min(SPARK_LEVELS.length, Math.max(1, level)) - 1];
}

/**
 * Render `values` (oldest first) as exactly `width` cells against `scaleMax` — the caller passes
 * the same scaleMax for every row of a column so rows compare (see `sparkScale`).
 */
export function renderSparkline(
  values: ArrayLike<number>,
  width: number,
  scaleMax: number,
): string {
  if (width <= 0) return '';
  const points = downsampleMax(values, width);
  let out = points.length < width ? ' '.repeat(width - points.length) : '';
  for (const v of points) out += sparkChar(v, scaleMax);
  return out;
}

/** The largest finite value across several histories: the shared scale for one table column. */
export function sparkScale(histories: Iterable<ArrayLike<number>>): number {
  let m = 0;
  for (const h of histories) {
    for (let i = 0; i < h.length; i++) {
      const v = h[i];
      if (v > m && Number.isFinite(v)) m = v;
    }
  }
  return m;
}
